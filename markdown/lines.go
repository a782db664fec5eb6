package markdown

import "sort"

// lineIndex maps byte offsets of a file to 1-based line numbers. goldmark
// and go-yaml give offsets into the text they parsed; this turns them into
// the lines a person sees.
type lineIndex []int // offset of the first byte of each line

func newLineIndex(src []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range src {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// line returns the line holding offset off.
func (idx lineIndex) line(off int) int {
	if off < 0 {
		return 1
	}
	return sort.Search(len(idx), func(i int) bool { return idx[i] > off })
}

// count returns the number of lines, counting a last line without newline.
func (idx lineIndex) count(size int) int {
	if size > 0 && idx[len(idx)-1] == size {
		return len(idx) - 1
	}
	return len(idx)
}
