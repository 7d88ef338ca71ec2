// Package pgtest gives tests a throwaway PostgreSQL: one server per test
// binary, started on first use from the PostgreSQL binaries installed on
// the machine (initdb and postgres, found on PATH, in
// /usr/lib/postgresql/*/bin or /usr/local/bin), on a free loopback port
// with its socket and data in a temporary directory, and a fresh database
// per test. Main stops the server and removes the directory.
//
// Without PostgreSQL installed, DSN skips the test with a loud message —
// except under CI, where it fails: CI installs Debian's postgresql package
// (.ci/setup.sh). SYNCCTL_TEST_POSTGRES_DSN names an existing server (a
// role that may create databases) to use instead.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names an existing server to use instead of starting one.
const EnvDSN = "SYNCCTL_TEST_POSTGRES_DSN"

// superuser is the role initdb creates (trust authentication on loopback).
const superuser = "syncctl"

var (
	once    sync.Once
	srv     *server
	srvErr  error
	missing string // why no server can run here ("" when one can)
	dbSeq   atomic.Int64
)

// Main runs the package's tests (call it from TestMain) and stops the
// server they started, if any.
func Main(m *testing.M) int {
	code := m.Run()
	if srv != nil {
		srv.stop()
	}
	return code
}

// DSN returns the DSN of a new, empty database for t (dropped when t
// ends). It skips t (fails it under CI) when PostgreSQL is not installed.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { srv, srvErr = start() })
	if missing != "" {
		if ci() {
			t.Fatalf("POSTGRESQL NOT FOUND under CI: %s (.ci/setup.sh installs Debian's postgresql package)", missing)
		}
		t.Skipf("POSTGRESQL NOT FOUND: %s — the PostgreSQL store tests did NOT run; install PostgreSQL (Debian: apt-get install postgresql) or set %s", missing, EnvDSN)
	}
	if srvErr != nil {
		t.Fatalf("start PostgreSQL for the tests: %v", srvErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx := context.Background()
	if err := srv.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+srv.createStrategy(ctx)); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = srv.admin(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return srv.dsn(name)
}

// ci reports whether the tests run under CI (where they must not skip).
func ci() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

type server struct {
	base    string // DSN of the maintenance database, with the database name left to dsn
	host    string
	port    int
	user    string
	dir     string // removed at stop ("" for an external server)
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string

	strategyOnce sync.Once
	strategy     string // CREATE DATABASE's STRATEGY clause, if any
}

func (s *server) dsn(db string) string {
	if s.base != "" {
		return replaceDB(s.base, db)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", s.user, s.host, s.port, db)
}

// admin runs one statement on the maintenance database.
func (s *server) admin(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// createStrategy is FILE_COPY where the server has it (PostgreSQL 15 on):
// quicker than logging every page of a small database.
func (s *server) createStrategy(ctx context.Context) string {
	s.strategyOnce.Do(func() {
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		var v int
		if conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&v) == nil && v >= 150000 {
			s.strategy = " STRATEGY FILE_COPY"
		}
	})
	return s.strategy
}

// replaceDB puts another database name in a postgres:// DSN.
func replaceDB(dsn, db string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return dsn
	}
	u := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, db)
	if cfg.Password != "" {
		u = fmt.Sprintf("postgres://%s:%s@%s:%d/%s", cfg.User, cfg.Password, cfg.Host, cfg.Port, db)
	}
	if cfg.TLSConfig == nil {
		u += "?sslmode=disable"
	}
	return u
}

func start() (*server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &server{base: dsn}, nil
	}
	bin, why := findBinaries()
	if bin == "" {
		missing = why
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "syncctl-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{host: "127.0.0.1", user: superuser, dir: dir, exited: make(chan struct{}), logPath: filepath.Join(dir, "postgres.log")}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		err := s.run(bin, data, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// run starts postgres on a free port and waits until it answers.
func (s *server) run(bin, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "max_locks_per_transaction=256")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = s.dir
	// Its own process group (no terminal signals), and a quit (immediate
	// shutdown of the server and its backends) should the tests die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres exited at start: %s", s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("postgres did not answer within 30s (last: %v): %s", err, s.logTail())
		}
	}
}

// stop shuts the server down (fast shutdown, then a kill) and removes its
// directory.
func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// findBinaries returns the directory holding initdb and postgres, or why
// there is none.
func findBinaries() (dir, why string) {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return pgVersion(versions[i]) > pgVersion(versions[j]) }) // newest first
	candidates = append(candidates, versions...)
	candidates = append(candidates, "/usr/local/bin", "/usr/local/pgsql/bin")
	for _, d := range candidates {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, ""
		}
	}
	return "", "no initdb and postgres on PATH, in /usr/lib/postgresql/*/bin, /usr/local/bin or /usr/local/pgsql/bin"
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// serverUser is who runs initdb and postgres: this process's user, or —
// as root, which PostgreSQL refuses to run as — the "postgres" user if the
// machine has one, else nobody. The directory is given to that user.
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	uid, gid := 65534, 65534 // nobody
	if u, err := user.Lookup("postgres"); err == nil {
		if id, err := strconv.Atoi(u.Uid); err == nil && id != 0 {
			uid = id
			gid, _ = strconv.Atoi(u.Gid)
		}
	}
	// The server user must reach the directory (TMPDIR may be private).
	for d := filepath.Dir(dir); d != "/" && d != "."; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return nil, err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return nil, fmt.Errorf("running as root: the PostgreSQL test server runs as uid %d, which cannot enter %s: set TMPDIR to a directory others may enter", uid, d)
		}
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: false, Groups: []uint32{}}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
