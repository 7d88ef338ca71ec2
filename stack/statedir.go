package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Files a stack keeps in its state dir (besides the store and temporal.db).
const (
	LockFile               = "syncctl.lock"                   // held while a stack runs; holds its pid
	SandboxStateFile       = "sandbox-tmall.json"             // the Tmall sandbox's items and trades
	SandboxCredentialsFile = "sandbox-tmall-credentials.json" // its app key, secret and session (0600)
)

// lockStateDir makes sure only one stack uses dir. The lock lasts until the
// returned function is called or the process exits.
func lockStateDir(dir string) (func() error, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state dir %s: lock: %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("state dir %s: lock %s: %w", dir, path, err)
	}
	if held {
		f.Close()
		holder := "another syncctl"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(string(bytes.TrimSpace(b))); err == nil {
				holder += " (pid " + strconv.Itoa(pid) + ")"
			}
		}
		return nil, fmt.Errorf("state dir %s is in use by %s; stop it or pass another --state-dir", dir, holder)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		_ = f.Truncate(0)
		return errors.Join(unlock(f), f.Close())
	}, nil
}

// SandboxCredentials are what the Tmall sandbox accepts and the connector
// signs with. With a state dir they are made up once and kept in
// SandboxCredentialsFile (mode 0600), so a restarted `syncctl dev` keeps
// accepting the credentials a separately configured worker uses.
type SandboxCredentials struct {
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
	Session   string `json:"session"`
}

func newSandboxCredentials() SandboxCredentials {
	return SandboxCredentials{AppKey: "23" + randHex(3), AppSecret: randHex(16), Session: "6100" + randHex(12)}
}

// loadSandboxCredentials reads the credentials kept in dir, or makes them
// up and keeps them there. Errors name the file, never a value.
func loadSandboxCredentials(dir string) (SandboxCredentials, error) {
	path := filepath.Join(dir, SandboxCredentialsFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var c SandboxCredentials
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("%s: not valid JSON (delete it to make new credentials)", path)
		}
		if c.AppKey == "" || c.AppSecret == "" || c.Session == "" {
			return c, fmt.Errorf("%s: app_key, app_secret and session are all required (delete it to make new ones)", path)
		}
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(path, 0o600)
		}
		return c, nil
	case !errors.Is(err, os.ErrNotExist):
		return SandboxCredentials{}, fmt.Errorf("sandbox credentials: %w", err)
	}
	c := newSandboxCredentials()
	b, _ = json.MarshalIndent(c, "", "  ")
	tmp, err := os.CreateTemp(dir, SandboxCredentialsFile+".*")
	if err != nil {
		return c, fmt.Errorf("sandbox credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err = tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(append(b, '\n'))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return c, fmt.Errorf("sandbox credentials %s: %w", path, err)
	}
	return c, nil
}
