# A FROM-scratch image of syncctl. Build the static binary first (the image
# has no toolchain and pulls nothing):
#   CGO_ENABLED=0 go build -trimpath -o syncctl ./cmd/syncctl
#   docker build -t syncctl .
FROM scratch
COPY syncctl /syncctl
USER 65534:65534
ENTRYPOINT ["/syncctl"]
