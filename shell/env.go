package shell

import (
	"sort"
	"strings"

	"github.com/quench-sh/quench"
)

// DefaultPath is the PATH a command gets when its Spec does not set one, so
// that it never inherits the server's.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// LabelPrefix starts the name of every variable LabelEnv makes.
const LabelPrefix = "QUENCH_LABEL_"

// LabelEnv turns alert labels into environment variables named
// QUENCH_LABEL_<NAME>: the name upper-cased, every character outside
// [A-Z0-9_] replaced by '_', and a '_' put before a leading digit.
//
// Values are data and stay byte for byte what the alert said, except NUL
// bytes, which no environment can carry and are dropped. When two labels
// map to the same variable (a-b and a_b), the one whose name sorts first
// wins, so the result does not depend on map order. Empty names are skipped.
func LabelEnv(labels map[string]string) map[string]string {
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names)

	env := make(map[string]string, len(labels))
	for _, name := range names {
		if name == "" {
			continue
		}
		key := LabelPrefix + labelName(name)
		if _, taken := env[key]; taken {
			continue
		}
		env[key] = strings.ReplaceAll(labels[name], "\x00", "")
	}
	return env
}

func labelName(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 1)
	if name[0] >= '0' && name[0] <= '9' {
		b.WriteByte('_')
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ValidEnvName reports whether name can be an exported shell variable:
// [A-Za-z_][A-Za-z0-9_]*. Anything else bash would silently drop locally
// and refuse to export remotely, so a Spec may not carry it.
func ValidEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func validateEnv(env map[string]string) error {
	for name, value := range env {
		if !ValidEnvName(name) {
			return quench.Errorf(quench.EINVALID, "environment variable name %q is not a shell identifier", name)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return quench.Errorf(quench.EINVALID, "environment variable %s holds a NUL byte, which no environment can carry", name)
		}
	}
	return nil
}

// Environ returns env as the NAME=value list a local process gets, sorted
// so runs are reproducible, with PATH set to DefaultPath when env has none.
// Nothing comes from the server's own environment.
func Environ(env map[string]string) ([]string, error) {
	if err := validateEnv(env); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(env)+1)
	for name, value := range env {
		out = append(out, name+"="+value)
	}
	if _, ok := env["PATH"]; !ok {
		out = append(out, "PATH="+DefaultPath)
	}
	sort.Strings(out)
	return out, nil
}

// EnvNames returns the variable names of env, sorted; dry runs show these
// (never the values, which may be secrets).
func EnvNames(env map[string]string) []string {
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
