package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wstrace/wstrace/templates"
)

// CheckTemplates checks a --templates directory before anything is read
// from it: the directory must exist, and every file in it must have the
// name of a built-in file (messages/LANG.txt, layout/NAME), so that a
// misspelt name is an error naming the file and the names wstrace knows
// rather than a page quietly made with the built-in file.
func CheckTemplates(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--templates %s: %w", dir, unwrapPathError(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("--templates %s: not a directory", dir)
	}
	known := map[string][]string{}
	fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "/") {
			folder, name, _ := strings.Cut(p, "/")
			known[folder] = append(known[folder], name)
		}
		return nil
	})
	folders := make([]string, 0, len(known))
	for f := range known {
		folders = append(folders, f)
	}
	slices.Sort(folders)
	useful := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." || strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() && rel != "." {
				return fs.SkipDir
			}
			return nil
		}
		folder, name, nested := strings.Cut(rel, "/")
		names, ok := known[folder]
		switch {
		case !nested && d.IsDir() && ok:
			return nil
		case !nested:
			return fmt.Errorf("--templates %s: %s is not a folder wstrace reads (it reads %s/)", dir, rel, strings.Join(folders, "/, "))
		case d.IsDir() || !slices.Contains(names, name):
			return fmt.Errorf("--templates %s: %s is not a file wstrace reads; %s/ may hold %s", dir, rel, folder, strings.Join(names, ", "))
		}
		useful++
		return nil
	})
	if err != nil {
		return err
	}
	if useful == 0 {
		return fmt.Errorf("--templates %s: holds no messages/LANG.txt or layout/ file to use", dir)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
