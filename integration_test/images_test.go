package integration_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The chaos suite's images, built once per test binary, FROM scratch and
// from this machine's files only (nothing is pulled): syncctl's own image
// from ./Dockerfile with a /data directory its user owns (state files,
// volumes), and PostgreSQL from the host's server binary, the shared
// libraries ldd lists, its share/ and lib/ directories, the time zone
// data and a data directory initdb made on the host.
var images struct {
	once    sync.Once
	app, pg string
	err     error
	dir     string
	built   []string
}

// suiteImages builds the images (once) and returns their tags.
func suiteImages(t *testing.T) (app, pg string) {
	t.Helper()
	images.once.Do(func() {
		images.err = buildSuiteImages()
	})
	if images.err != nil {
		t.Fatalf("build the suite's images: %v", images.err)
	}
	return images.app, images.pg
}

// removeSuiteImages deletes what buildSuiteImages made (TestMain, at the end).
func removeSuiteImages() {
	for i := len(images.built) - 1; i >= 0; i-- {
		removeImage(images.built[i])
	}
	if images.dir != "" {
		os.RemoveAll(images.dir)
	}
}

func buildSuiteImages() error {
	dir, err := os.MkdirTemp("", "syncctl-chaos-")
	if err != nil {
		return err
	}
	images.dir = dir
	tag := strconv.Itoa(os.Getpid())
	base, app, pg := "syncctl-chaos-base:"+tag, "syncctl-chaos:"+tag, "syncctl-chaos-pg:"+tag

	// syncctl: the product's Dockerfile as it is, then a /data its user owns.
	appCtx := filepath.Join(dir, "app")
	if err := os.MkdirAll(filepath.Join(appCtx, "data"), 0o755); err != nil {
		return err
	}
	root := repoRootDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(appCtx, "syncctl"), "./cmd/syncctl")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build static syncctl: %v\n%s", err, out)
	}
	if err := copyFile(filepath.Join(root, "Dockerfile"), filepath.Join(appCtx, "Dockerfile")); err != nil {
		return err
	}
	if err := dockerBuild(appCtx, "Dockerfile", base); err != nil {
		return err
	}
	images.built = append(images.built, base)
	layer := "FROM " + base + "\nUSER 0:0\nCOPY --chown=65534:65534 data/ /data/\nUSER 65534:65534\n"
	if err := os.WriteFile(filepath.Join(appCtx, "Dockerfile.data"), []byte(layer), 0o644); err != nil {
		return err
	}
	if err := dockerBuild(appCtx, "Dockerfile.data", app); err != nil {
		return err
	}
	images.built = append(images.built, app)
	images.app = app

	pgCtx := filepath.Join(dir, "pg")
	if err := postgresContext(pgCtx); err != nil {
		return fmt.Errorf("PostgreSQL image: %w", err)
	}
	if err := dockerBuild(pgCtx, "Dockerfile", pg); err != nil {
		return err
	}
	images.built = append(images.built, pg)
	images.pg = pg
	return nil
}

func dockerBuild(dir, dockerfile, tag string) error {
	cmd := exec.Command("docker", "build", "-q", "-f", filepath.Join(dir, dockerfile), "-t", tag, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker build %s: %v\n%s", tag, err, out)
	}
	return nil
}

// pgDataDir is where the PostgreSQL image keeps its cluster.
const pgDataDir = "/var/lib/postgresql/data"

// postgresContext lays out the PostgreSQL image's build context: the
// server binary at its own path with every library it loads, share/ (the
// catalogs initdb and the server read, found relative to the binary),
// the loadable modules (plpgsql…), time zones, a passwd line for its
// user, and a cluster initialised on this machine (trust authentication
// on the test's private network only).
func postgresContext(ctxDir string) error {
	bin, why := postgresBinDir()
	if bin == "" {
		return fmt.Errorf("PostgreSQL is not installed: %s", why)
	}
	rootfs := filepath.Join(ctxDir, "rootfs")
	server := filepath.Join(bin, "postgres")
	if err := copyInto(rootfs, server); err != nil {
		return err
	}
	libs, err := lddLibs(server)
	if err != nil {
		return err
	}
	share, pkglib := pgConfig(bin, "--sharedir"), pgConfig(bin, "--pkglibdir")
	if share == "" || pkglib == "" {
		return fmt.Errorf("pg_config in %s does not say where share/ and lib/ are", bin)
	}
	mods, _ := filepath.Glob(filepath.Join(pkglib, "*.so"))
	for _, m := range mods {
		if strings.Contains(filepath.Base(m), "llvmjit") {
			continue // JIT is off: it would need LLVM
		}
		if err := copyInto(rootfs, m); err != nil {
			return err
		}
		more, err := lddLibs(m)
		if err != nil {
			return err
		}
		libs = append(libs, more...)
	}
	sort.Strings(libs)
	for i, l := range libs {
		if i > 0 && libs[i-1] == l {
			continue
		}
		if err := copyInto(rootfs, l); err != nil {
			return err
		}
	}
	for _, d := range []string{share, "/usr/share/zoneinfo"} {
		if _, err := os.Stat(d); err == nil {
			if err := copyTree(d, filepath.Join(rootfs, d)); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("postgres:x:65534:65534:postgres:/var/lib/postgresql:/sbin/nologin\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "group"), []byte("postgres:x:65534:\n"), 0o644); err != nil {
		return err
	}

	// The cluster, made here by initdb (run as an unprivileged user when
	// this is root, as PostgreSQL requires).
	pgHome := filepath.Join(ctxDir, "pghome")
	if err := os.MkdirAll(pgHome, 0o755); err != nil {
		return err
	}
	cred, err := unprivileged(ctxDir, pgHome)
	if err != nil {
		return err
	}
	data := filepath.Join(pgHome, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "syncctl", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	initdb.Dir = pgHome
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = hba.WriteString("\n# the test's private Docker network\nhost all all 0.0.0.0/0 trust\n")
	if cerr := hba.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	dockerfile := `# PostgreSQL from this machine's own files, FROM scratch (nothing pulled).
FROM scratch
COPY rootfs/ /
COPY --chown=65534:65534 pghome/ /var/lib/postgresql/
USER 65534:65534
ENTRYPOINT ["` + server + `", "-D", "` + pgDataDir + `", "-c", "listen_addresses=*", "-c", "port=5432", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "jit=off", "-c", "max_connections=300", "-c", "shared_buffers=64MB", "-c", "max_locks_per_transaction=256", "-c", "timezone=UTC", "-c", "log_timezone=UTC", "-c", "dynamic_shared_memory_type=mmap"]
`
	return os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644)
}

// postgresBinDir finds initdb and postgres as the store tests do.
func postgresBinDir() (dir, why string) {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(r))
		}
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(versions)))
	candidates = append(candidates, versions...)
	for _, d := range candidates {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, ""
		}
	}
	return "", "no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin"
}

func pgConfig(bin, flag string) string {
	out, err := exec.Command(filepath.Join(bin, "pg_config"), flag).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// lddLibs lists the shared libraries a binary loads, the dynamic loader included.
func lddLibs(path string) ([]string, error) {
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", path, err)
	}
	var libs []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			libs = append(libs, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			libs = append(libs, f[0]) // the loader
		}
	}
	return libs, nil
}

// unprivileged is who runs initdb: this user, or as root (which
// PostgreSQL refuses) uid 65534, given the directory.
func unprivileged(ctxDir, home string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, d := range []string{filepath.Dir(ctxDir), ctxDir} {
		if err := os.Chmod(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Chown(home, 65534, 65534); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}, nil
}

// copyInto copies a file (following symlinks) to the same path under root.
func copyInto(root, path string) error {
	return copyFile(path, filepath.Join(root, path))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm()|0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies a directory's regular files, following symlinks.
func copyTree(from, to string) error {
	return filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.Mode()&os.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil || st.IsDir() {
				return nil // a dangling or directory link: not needed
			}
			return copyFile(p, dst)
		}
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		return copyFile(p, dst)
	})
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func repoRootDir() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd) // the tests run in integration_test/
}
