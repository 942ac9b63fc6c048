package output

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// filePerm is the mode of every file this package writes.
const filePerm = 0o644

// WriteFileAtomic writes data to path so that path holds either its old
// content or all of data, never a part: data goes to a temporary file in the
// same directory, which is synced and then renamed over path. On failure the
// temporary file is removed and path is untouched.
func WriteFileAtomic(path string, data []byte) error {
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.commit()
}

// atomicFile is a temporary file that becomes path on commit. It is not
// safe for concurrent use.
type atomicFile struct {
	*os.File
	path string
}

// createAtomic creates the temporary file for path in path's directory (a
// rename is only atomic within one file system). Its name starts with a dot
// and contains ".tmp-" so folder listings and globs like batch_*.parquet
// skip it.
func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &atomicFile{File: f, path: path}, nil
}

// commit syncs and closes the temporary file, renames it to the final path
// and syncs the directory so the rename survives a crash. On error the
// temporary file is removed.
func (f *atomicFile) commit() error {
	tmp := f.Name()
	err := f.Chmod(filePerm)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	return syncDir(filepath.Dir(f.path))
}

// abort closes and removes the temporary file; path is not touched.
func (f *atomicFile) abort() {
	f.Close()
	os.Remove(f.Name())
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory;
// there the rename is as durable as the OS makes it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
