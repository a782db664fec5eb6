package markdown

import (
	"net/url"
	"path/filepath"
	"strings"
)

// checkLinks reports relative links of the file at path whose target file
// does not exist. Web and mail links, in-page anchors and absolute paths are
// not files of the pack and are left alone.
func checkLinks(src source, path string, links []link) []Problem {
	ps := problems{path: path}
	for _, l := range links {
		target, ok := localTarget(l.dest)
		if !ok {
			continue
		}
		// Every file of the pack is in its top directory, so a link is
		// relative to the pack.
		full := filepath.Join(filepath.Dir(path), filepath.FromSlash(target))
		if !src.exists(target) {
			ps.add(l.line, RuleLink, "link %s: %s does not exist", l.dest, full)
		}
	}
	return ps.list
}

// localTarget returns the file a link destination names, without its
// #fragment or ?query, when it is a relative path.
func localTarget(dest string) (string, bool) {
	if dest == "" || strings.HasPrefix(dest, "#") {
		return "", false
	}
	u, err := url.Parse(dest)
	if err != nil {
		// Not a URL at all: a path with odd characters, checked as written.
		p, _, _ := strings.Cut(dest, "#")
		return p, p != "" && !strings.HasPrefix(p, "/")
	}
	if u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
		return "", false
	}
	return u.Path, true
}
