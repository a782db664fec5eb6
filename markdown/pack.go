package markdown

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// SectionFirstSteps is the Section of the pack's first steps, which run for
// every incident beside the runbook's own diagnosis.
const SectionFirstSteps = "First steps"

// PackFile and ReadmeFile are the pack's two files that are not runbooks.
const (
	PackFile   = "pack.yaml"
	ReadmeFile = "README.md"
)

// Pack is a loaded runbook directory.
type Pack struct {
	Dir        string
	Categories []string          // index order
	Roles      []quench.Role     // the escalation matrix
	FirstSteps []quench.Step     // run for every incident; read-only, classified
	Runbooks   []*quench.Runbook // in file-name order
	// Variables are the settings steps read from their environment, which
	// the config's env sets (see Variable).
	Variables []Variable

	// Problems are the documentation problems LoadPack tolerates (links and
	// the README index); they do not change what the server runs.
	Problems []Problem

	src source // where the files were read from
}

// Role returns the role with that id.
func (p *Pack) Role(id string) (quench.Role, bool) {
	for _, r := range p.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return quench.Role{}, false
}

// Runbook returns the runbook with that id, or ENOTFOUND.
func (p *Pack) Runbook(id string) (*quench.Runbook, error) {
	for _, rb := range p.Runbooks {
		if rb.ID == id {
			return rb, nil
		}
	}
	return nil, quench.Errorf(quench.ENOTFOUND, "no runbook %q in %s", id, p.Dir)
}

// RunbookService serves a loaded pack to the rest of quench.
type RunbookService struct{ Pack *Pack }

var _ quench.RunbookService = (*RunbookService)(nil)

// Runbooks returns every runbook in file order.
func (s *RunbookService) Runbooks(ctx context.Context) ([]*quench.Runbook, error) {
	return s.Pack.Runbooks, nil
}

// FindRunbook returns ENOTFOUND when no runbook has that id.
func (s *RunbookService) FindRunbook(ctx context.Context, id string) (*quench.Runbook, error) {
	return s.Pack.Runbook(id)
}

// LoadPack reads and checks a runbook directory for the server. Any problem
// that changes what quench would run or whom it would page (a parse error,
// an unsafe step, an unknown role, a bad match expression …) fails the load
// with EINVALID naming the problems; documentation problems (links, the
// README index) are kept in Pack.Problems.
func LoadPack(dir string) (*Pack, error) {
	return loadPack(diskSource(dir))
}

// LoadPackFS is LoadPack for a pack that is not a directory on disk, such
// as the one the binary carries (runbooks.FS): its files are at the root
// of fsys, and name is how problems and runbook paths name it.
func LoadPackFS(fsys fs.FS, name string) (*Pack, error) {
	return loadPack(source{fsys: fsys, name: name})
}

func loadPack(src source) (*Pack, error) {
	dir := src.name
	p, ps, err := load(src)
	if err != nil {
		return nil, err
	}
	var fatal []Problem
	for _, pr := range ps {
		if pr.Rule == RuleLink || pr.Rule == RuleIndex || pr.Warning {
			p.Problems = append(p.Problems, pr)
		} else {
			fatal = append(fatal, pr)
		}
	}
	if len(fatal) > 0 {
		const show = 10
		var sb strings.Builder
		noun := "problems"
		if len(fatal) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(&sb, "runbook pack %s has %d %s (see `quench lint %s`):", dir, len(fatal), noun, dir)
		for _, pr := range fatal[:min(show, len(fatal))] {
			sb.WriteString("\n  " + pr.String())
		}
		if len(fatal) > show {
			fmt.Fprintf(&sb, "\n  … and %d more", len(fatal)-show)
		}
		return nil, &quench.Error{Code: quench.EINVALID, Message: sb.String()}
	}
	return p, nil
}

// Lint checks a runbook directory and returns every problem, sorted by path
// and line. The error is for a directory that cannot be read at all.
func Lint(dir string) ([]Problem, error) {
	_, ps, err := Load(dir)
	return ps, err
}

// Load reads a runbook directory as far as it can and returns it with every
// problem `quench lint` reports, sorted by path and line: pack.yaml, every
// runbook (in parallel: a large pack is parse-bound), then the checks across
// files. The error is for a directory that cannot be read at all.
func Load(dir string) (*Pack, []Problem, error) {
	return load(diskSource(dir))
}

// LoadFS is Load for a pack that is not a directory on disk (see
// LoadPackFS).
func LoadFS(fsys fs.FS, name string) (*Pack, []Problem, error) {
	return load(source{fsys: fsys, name: name})
}

func load(src source) (*Pack, []Problem, error) {
	dir := src.name
	entries, err := fs.ReadDir(src.fsys, ".")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, quench.Errorf(quench.ENOTFOUND, "runbook directory %s does not exist", dir)
		}
		return nil, nil, fmt.Errorf("markdown: %w", err)
	}
	p := &Pack{Dir: dir, src: src}
	var all []Problem
	data, pps := loadPackFile(src)
	all = append(all, pps...)
	for _, s := range data.firstSteps {
		all = append(all, stepHazards(src.path(PackFile), s)...)
	}
	p.Categories, p.Roles, p.FirstSteps, p.Variables = data.Categories, data.Roles, data.firstSteps, data.variables

	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".md") || n == ReadmeFile || strings.HasPrefix(n, "_") {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	parsedAll := parseFiles(src, data.classifier(), names)

	ids := map[string]*parsed{}
	for _, pr := range parsedAll {
		all = append(all, pr.problems.list...)
		rb := pr.rb
		p.Runbooks = append(p.Runbooks, rb)
		all = append(all, checkLinks(src, rb.Path, pr.links)...)
		all = append(all, pr.hazards...)
		if pr.fm == nil {
			continue
		}
		if first, dup := ids[rb.ID]; dup && rb.ID != "" {
			all = append(all, Problem{Path: rb.Path, Line: pr.fm.line("id", 1), Rule: RuleDuplicateID,
				Message: fmt.Sprintf("duplicate id %q (also in %s:%d)", rb.ID, first.rb.Path, first.fm.line("id", 1))})
		} else {
			ids[rb.ID] = pr
		}
		if data.ok {
			all = append(all, checkAgainstPack(pr, data)...)
		}
	}
	all = append(all, checkReadme(p, all)...)
	SortProblems(all)
	return p, all, nil
}

// parseFiles reads and parses runbooks on every core; results keep the
// order of names.
func parseFiles(src source, opts shell.Options, names []string) []*parsed {
	out := make([]*parsed, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mdp := newMarkdownParser()
			for i := range next {
				path := src.path(names[i])
				text, err := src.read(names[i])
				if err != nil {
					out[i] = &parsed{rb: &quench.Runbook{Path: path}, problems: problems{path: path}}
					out[i].problems.add(0, RuleFile, "%v", err)
					continue
				}
				out[i] = parseRunbook(mdp, opts, path, text)
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// checkAgainstPack checks what a runbook refers to in pack.yaml.
func checkAgainstPack(pr *parsed, data packData) []Problem {
	ps := problems{path: pr.rb.Path}
	rb := pr.rb
	if rb.Category != "" && !slices.Contains(data.Categories, rb.Category) {
		ps.add(pr.fm.line("category", 1), RuleCategory, "category %q is not in %s (categories: %s)", rb.Category, PackFile, strings.Join(data.Categories, ", "))
	}
	for i, r := range rb.Escalation {
		if !slices.ContainsFunc(data.Roles, func(x quench.Role) bool { return x.ID == r }) {
			ps.add(pr.fm.entry("escalation", i, 1), RuleEscalation, "escalation role %q is not defined in %s", r, PackFile)
		}
	}
	return ps.list
}
