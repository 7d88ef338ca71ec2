package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// LockFile is held in the state dir while a stack runs; it holds its pid.
// Besides it the state dir keeps the store, temporal.db, for each sandbox
// its state (SandboxStateFile) and its shop's credentials
// (SandboxCredentialsFile, mode 0600), and the built-in ERP receiver's
// secret and applied deliveries (ERPReceiverStateFile, mode 0600).
const LockFile = "syncctl.lock"

// ERPReceiverStateFile is where the built-in ERP receiver keeps its secret
// and the deliveries it applied, so a restart neither changes the secret
// nor applies a redelivery twice.
const ERPReceiverStateFile = "erp-receiver.json"

// SandboxStateFile is where a platform's sandbox keeps its shop: "sandbox-tmall.json".
func SandboxStateFile(platform string) string { return "sandbox-" + platform + ".json" }

// SandboxCredentialsFile is where a sandbox shop's credentials are kept:
// "sandbox-tmall-credentials.json", a JSON object by the platform's names.
func SandboxCredentialsFile(platform string) string {
	return "sandbox-" + platform + "-credentials.json"
}

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

// loadSandboxCredentials reads the credentials of a platform's sandbox shop
// kept in dir, or makes them up and keeps them there (mode 0600), so a
// restarted `syncctl dev` keeps accepting the credentials a separately
// configured worker uses. Errors name the file, never a value.
func loadSandboxCredentials(dir string, p kit.Platform) (map[string]string, error) {
	path := filepath.Join(dir, SandboxCredentialsFile(p.ID))
	b, err := os.ReadFile(path)
	var c map[string]string
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("%s: not valid JSON (delete it to make new credentials)", path)
		}
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(path, 0o600)
		}
		added := false
		for _, want := range p.Credentials {
			if c[want.Name] == "" {
				// A credential this syncctl's sandbox has and the file's
				// does not (push keys came later): made up and kept, the
				// others unchanged.
				c[want.Name], added = want.New(), true
			}
		}
		if !added {
			return c, nil
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("sandbox credentials: %w", err)
	default:
		c = p.NewCredentials()
	}
	b, _ = json.MarshalIndent(c, "", "  ")
	tmp, err := os.CreateTemp(dir, SandboxCredentialsFile(p.ID)+".*")
	if err != nil {
		return nil, fmt.Errorf("sandbox credentials: %w", err)
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
		return nil, fmt.Errorf("sandbox credentials %s: %w", path, err)
	}
	return c, nil
}
