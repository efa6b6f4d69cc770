// Package outfile writes output files so that they never destroy inputs:
// an output that is one of the inputs (the same file, also through a link)
// is refused, a page is written to a temporary file in the same folder and
// renamed over the output only once complete, so a full disk or an
// interrupted run leaves any earlier file whole, and a file the user did
// not name is never overwritten ([Fresh]).
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrSameFile is wrapped by the error [Create] returns for an output that
// is one of the inputs.
var ErrSameFile = errors.New("the output is the input")

// File is an output being written: a temporary file beside the output,
// renamed over it by Commit.
type File struct {
	*os.File
	path string
	done bool
}

// Check returns an error when path is one of inputs (the same file, also
// through a symbolic or hard link); inputs that do not exist, such as "-"
// for standard input, are no file to destroy.
func Check(path string, inputs ...string) error {
	out, err := os.Stat(path)
	if err != nil {
		return nil // a file that does not exist yet is no input
	}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		if st, err := os.Stat(in); err == nil && os.SameFile(st, out) {
			if in == path {
				return fmt.Errorf("-o %s: %w: writing the page there would destroy it", path, ErrSameFile)
			}
			return fmt.Errorf("-o %s: %w (the same file as %s, through a link): writing the page there would destroy it", path, ErrSameFile, in)
		}
	}
	return nil
}

// Create checks path against inputs (see [Check]) and creates a temporary
// file in path's folder to write the output to, which shows early that the
// output can be written at all. Commit renames it to path; Abort removes it.
func Create(path string, inputs ...string) (*File, error) {
	if err := Check(path, inputs...); err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("-o %s: is a folder", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("-o %s: cannot write there: %w", path, unwrapPath(err))
	}
	return &File{File: f, path: path}, nil
}

// unwrapPath drops the temporary file's name from err, which means nothing
// to the user.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Commit flushes the temporary file to disk and renames it to the output's
// path, keeping an earlier output's permissions (else 0644).
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	name := f.Name()
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(f.path); err == nil {
		mode = st.Mode().Perm()
	}
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, mode)
	}
	if err == nil {
		err = os.Rename(name, f.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("%s: %w", f.path, unwrapPath(err))
	}
	return nil
}

// Abort removes the temporary file; the output's path is left as it was.
// It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// Fresh returns path when no file has that name, else the first of
// NAME-1.EXT, NAME-2.EXT, ... that is free, so that a file the user did
// not name is never overwritten. Names in avoid count as taken too.
func Fresh(path string, avoid ...string) string {
	taken := func(p string) bool {
		for _, a := range avoid {
			if a == p {
				return true
			}
		}
		_, err := os.Lstat(p)
		return err == nil
	}
	if !taken(path) {
		return path
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for i := 1; ; i++ {
		p := stem + "-" + strconv.Itoa(i) + ext
		if !taken(p) {
			return p
		}
	}
}
