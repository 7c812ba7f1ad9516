package secrets

import (
	"testing/fstest"
)

// fstestMap builds an in-memory file system from name → content.
type fstestMap map[string]string

func (m fstestMap) FS() fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range m {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}
