# A FROM-scratch image of syncctl. Build the static binary first (the image
# has no toolchain and pulls nothing):
#   CGO_ENABLED=0 go build -trimpath -o syncctl ./cmd/syncctl
#   docker build -t syncctl .
FROM scratch
COPY syncctl /syncctl
USER 65534:65534
# No /etc/passwd here: the embedded Temporal (syncctl dev) asks os/user who
# runs it, which without cgo needs $USER and $HOME.
ENV USER=nobody HOME=/
ENTRYPOINT ["/syncctl"]
