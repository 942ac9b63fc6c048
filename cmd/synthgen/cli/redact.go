package cli

import (
	"io"
	"strings"
	"sync"
)

// redactor is the stderr of a command: everything written through it has
// the config's substituted environment values replaced by their ${NAME}
// references, so a key read from the environment never reaches a log line
// or an error message. Values are added once the config is loaded.
type redactor struct {
	mu    sync.Mutex
	w     io.Writer
	pairs []string // old, new, old, new ...
	r     *strings.Replacer
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r == nil {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, r.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// add registers (name, value) pairs to hide.
func (r *redactor) add(kv [][2]string) {
	if len(kv) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range kv {
		r.pairs = append(r.pairs, p[1], "${"+p[0]+"}")
	}
	r.r = strings.NewReplacer(r.pairs...)
}

// redactEnv registers a loaded config's environment values with the
// command's stderr, when it is a redactor.
func redactEnv(w io.Writer, kv [][2]string) {
	if r, ok := w.(*redactor); ok {
		r.add(kv)
	}
}
