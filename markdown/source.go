package markdown

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// source is where a pack's files are read from: a directory on disk, or a
// copy carried in the binary (runbooks.FS). Paths in problems and in
// Runbook.Path are name joined with the file's name, so a problem in the
// embedded pack reads "embedded:runbooks/db-down.md:12: …".
type source struct {
	fsys fs.FS
	name string // shown in paths: the directory, or what the fs.FS is
	disk string // the directory on disk; "" when fsys is not one
}

func diskSource(dir string) source {
	return source{fsys: os.DirFS(dir), name: dir, disk: dir}
}

// path returns how the file called name (relative to the pack) is shown.
func (s source) path(name string) string { return filepath.Join(s.name, filepath.FromSlash(name)) }

// read reads a file of the pack up to MaxFileSize, so a huge file is an
// error and not a memory spike.
func (s source) read(name string) ([]byte, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// Name the file as the pack shows it, not as the fs.FS does.
			return nil, &fs.PathError{Op: pe.Op, Path: s.path(name), Err: pe.Err}
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes", MaxFileSize)
	}
	buf := make([]byte, st.Size())
	n, err := io.ReadFull(f, buf)
	return buf[:n], err
}

// exists reports whether a link target relative to the pack's directory
// exists. On disk a link may leave the pack (../docs/x.md); an embedded
// pack holds only its own files.
func (s source) exists(rel string) bool {
	if s.disk != "" {
		_, err := os.Stat(filepath.Join(s.disk, filepath.FromSlash(rel)))
		return err == nil
	}
	clean := path.Clean(rel)
	if !fs.ValidPath(clean) {
		return false
	}
	_, err := fs.Stat(s.fsys, clean)
	return err == nil
}
