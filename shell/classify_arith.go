package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Bash evaluates a variable's value inside arithmetic as an expression of
// its own, and an array subscript in it runs command substitutions:
// X='a[$(rm -rf ~)]'; echo $((X)) runs rm. So arithmetic is read-only
// only when every value it reads is an integer or the operator's: a
// literal number, a variable set to one, the result of other arithmetic.

// arithCheck reports unsafe arithmetic as an entry of its own at node.
func (c *classifier) arithCheck(at syntax.Node, x syntax.ArithmExpr) {
	if x == nil || isNilArith(x) {
		return
	}
	if why := c.arith(x); why != "" {
		c.add(at.Pos(), at.End(), unk(why))
	}
}

// arithVerdict classifies a command made of arithmetic: (( )), let.
func (c *classifier) arithVerdict(who string, x syntax.ArithmExpr) verdict {
	if x == nil || isNilArith(x) {
		return minorRO(who + ": evaluates arithmetic")
	}
	if why := c.arith(x); why != "" {
		return unk(who + ": " + why)
	}
	return minorRO(who + ": evaluates arithmetic")
}

// isNilArith reports a typed nil inside an ArithmExpr (an omitted part of
// for ((;;))).
func isNilArith(x syntax.ArithmExpr) bool {
	switch x := x.(type) {
	case *syntax.Word:
		return x == nil
	case *syntax.BinaryArithm:
		return x == nil
	case *syntax.UnaryArithm:
		return x == nil
	case *syntax.ParenArithm:
		return x == nil
	}
	return false
}

// arith walks an arithmetic expression, records what it assigns, and
// returns why it is unsafe, or "".
func (c *classifier) arith(x syntax.ArithmExpr) string {
	switch x := x.(type) {
	case *syntax.BinaryArithm:
		why := c.arith(x.Y)
		if isArithAssign(x.Op) {
			if name := arithName(x.X); name != "" {
				if w := c.arithOperand(x.X.(*syntax.Word), true); w != "" && why == "" {
					why = w
				}
				c.assign(name, intValue)
				return why
			}
		}
		if w := c.arith(x.X); w != "" {
			return w
		}
		return why
	case *syntax.UnaryArithm:
		why := c.arith(x.X)
		if x.Op == syntax.Inc || x.Op == syntax.Dec {
			if name := arithName(x.X); name != "" {
				c.assign(name, intValue)
			}
		}
		return why
	case *syntax.ParenArithm:
		return c.arith(x.X)
	case *syntax.Word:
		return c.arithOperand(x, false)
	}
	return "arithmetic the classifier does not model"
}

// arithOperand checks one operand: a number, a variable name, or an
// expansion whose text becomes part of the expression.
func (c *classifier) arithOperand(w *syntax.Word, target bool) string {
	if len(w.Parts) == 1 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok {
			s := l.Value
			switch {
			case arithNumber(s):
				return ""
			case validName(s):
				if target {
					return ""
				}
				if !c.lookupParam(s).arithSafe() {
					return "arithmetic on " + s + ": bash evaluates its value as an expression, which can run commands"
				}
				return ""
			}
		}
	}
	for _, s := range c.segs(w.Parts, false) {
		switch {
		case s.known && (arithNumber(strings.TrimSpace(s.text)) || strings.TrimSpace(s.text) == ""):
		case s.known && validName(s.text):
			if !c.lookupParam(s.text).arithSafe() {
				return "arithmetic on " + s.text + ": bash evaluates its value as an expression, which can run commands"
			}
		case s.known:
			if !arithText(s.text) {
				return "arithmetic over " + clip(s.text, maxShown) + ": bash evaluates it as an expression, which can run commands"
			}
		case !s.v.arithSafe():
			return "arithmetic on " + c.source(w) + ": bash evaluates its value as an expression, which can run commands"
		}
	}
	return ""
}

// arithNumber reports a literal bash reads as a number: 42, 0x1f, 8#17.
func arithNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch == 'x' || ch == 'X' || ch == '#' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return false
		}
	}
	return s[0] >= '0' && s[0] <= '9'
}

// arithText reports literal text that is only numbers and operators.
func arithText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789+-*/%<>=!&|^~?:() \t", rune(s[i])) {
			return false
		}
	}
	return true
}

func isArithAssign(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn, syntax.RemAssgn,
		syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn:
		return true
	}
	return false
}

// arithName returns the variable an arithmetic assignment sets, or "".
func arithName(x syntax.ArithmExpr) string {
	if w, ok := x.(*syntax.Word); ok {
		if s := w.Lit(); validName(s) {
			return s
		}
	}
	return ""
}

// testExpr classifies a [[ ]] expression: -eq and friends evaluate both
// sides as arithmetic, -v and -R read a variable named by their operand
// (whose subscript is arithmetic), the rest only compare and test files.
func (c *classifier) testExpr(x syntax.TestExpr) verdict {
	v := minorRO("[[: tests a condition")
	var walk func(x syntax.TestExpr)
	walk = func(x syntax.TestExpr) {
		switch x := x.(type) {
		case *syntax.BinaryTest:
			switch x.Op {
			case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
				for _, side := range []syntax.TestExpr{x.X, x.Y} {
					if w, ok := side.(*syntax.Word); ok {
						if why := c.arithWord(w); why != "" {
							v = worse(v, unk("[[ "+x.Op.String()+" ]]: "+why))
						}
					} else {
						walk(side)
					}
				}
				return
			}
			walk(x.X)
			walk(x.Y)
		case *syntax.UnaryTest:
			if x.Op == syntax.TsVarSet || x.Op == syntax.TsRefVar {
				if w, ok := x.X.(*syntax.Word); ok {
					if s, known := c.word(w).lit(); known && validName(s) {
						return
					}
				}
				v = worse(v, unk("[[ "+x.Op.String()+" ]]: a variable name only known at run time can run commands in its subscript"))
				return
			}
			walk(x.X)
		case *syntax.ParenTest:
			walk(x.X)
		case *syntax.Word:
			c.word(x)
		}
	}
	walk(x)
	return v
}

// arithWord checks a word that bash expands and then evaluates as
// arithmetic ([[ $X -eq 0 ]]).
func (c *classifier) arithWord(w *syntax.Word) string {
	wv := c.word(w)
	if s, ok := wv.lit(); ok {
		s = strings.TrimSpace(s)
		if arithNumber(s) || isInteger(s) {
			return ""
		}
		if validName(s) && c.lookupParam(s).arithSafe() {
			return ""
		}
		if arithText(s) {
			return ""
		}
		return "arithmetic over " + clip(s, maxShown) + ": bash evaluates it as an expression, which can run commands"
	}
	return c.arithOperand(w, false)
}
