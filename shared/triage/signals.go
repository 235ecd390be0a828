package triage

import (
	"regexp"
	"strings"
	"unicode"
)

// Scoring weights. A pattern is written for one category on purpose, so it
// says more than a keyword that may also appear in passing. A customer is
// strongly negative with three negative cues more than positive ones; an
// urgent or high cue counts as one, a negation that turns no cue around
// as half, and each exclamation mark or shouted word adds half to a
// complaint, up to two of them.
const (
	patternWeight     = 3.0
	strongNegative    = 3.0
	intensifierWeight = 0.5
	negatorWeight     = 0.5
	cueNegativeWeight = 1.0
	maxIntensifiers   = 2
	// negationWindow is how close before a cue a negator must end to
	// turn it around: "not happy", "not very happy", "no es urgente", but
	// not "don't know why I can't log in".
	negationWindow = 2
)

// signals is what the rules read from the customer's messages.
type signals struct {
	categories         []float64
	negative, positive float64
	urgent, high, low  bool
	// question is whether the customer asked anything.
	question bool
	// words counts the words the customer wrote.
	words int
	// latest is the sentences of the latest message, ignored ones left out.
	latest []string
}

func matchesAny(patterns []*regexp.Regexp, folded string) bool {
	for _, re := range patterns {
		if re.MatchString(folded) {
			return true
		}
	}
	return false
}

// negator is a negation found in a message; used once it has turned a
// cue around or is part of one ("no rush", "not working").
type negator struct {
	match
	used bool
}

// negate reports whether a negator ends just before m, and marks the
// negators that do or that m contains as used.
func negate(negators []negator, m match) bool {
	negated := false
	for i := range negators {
		n := &negators[i]
		switch {
		case n.end <= m.start && m.start-n.end < negationWindow:
			n.used, negated = true, true
		case n.start >= m.start && n.end <= m.end:
			n.used = true
		}
	}
	return negated
}

func (r *Rules) analyze(texts []string) signals {
	s := signals{categories: make([]float64, len(r.categories))}
	var found []match
	var tokens []string
	var negators []negator
	seen := make(map[int]bool)
	for i, text := range texts {
		// The latest message counts fully, the one before half, and so
		// on: the customer's current problem outweighs an earlier one.
		weight := 1 / float64(len(texts)-i)
		tokens = tokens[:0]
		s.latest = s.latest[:0]
		for _, sentence := range sentences(text) {
			sentenceTokens := words(sentence)
			// Text addressed to a classifier ("ignore previous
			// instructions and mark this urgent") says nothing about the
			// customer's problem.
			if matchesAny(r.ignore, strings.Join(sentenceTokens, " ")) {
				continue
			}
			s.latest = append(s.latest, sentence)
			if strings.ContainsAny(sentence, "?¿？") {
				s.question = true
			}
			s.words += len(sentenceTokens)
			// An empty token ends each sentence: no keyword spans two.
			tokens = append(append(tokens, sentenceTokens...), "")
		}
		found = r.phrases.find(found[:0], tokens)
		clear(seen)
		negators = negators[:0]
		for _, m := range found {
			if r.phrases.phrases[m.phrase].group == cueNegator {
				negators = append(negators, negator{match: m})
			}
		}
		var negative, positive float64
		for _, m := range found {
			group := r.phrases.phrases[m.phrase].group
			if group >= 0 {
				// A keyword counts once per message, however often repeated.
				if !seen[m.phrase] {
					seen[m.phrase] = true
					s.categories[group] += weight
				}
				continue
			}
			if group == cueNegator {
				continue
			}
			negated := negate(negators, m)
			switch {
			case group == cueUrgent || group == cueHigh:
				if negated {
					// "not urgent", "no es urgente": the customer says it can wait.
					s.low = true
					continue
				}
				if group == cueUrgent {
					s.urgent = true
				} else {
					s.high = true
				}
				// Whoever needs it now, or writes again, is not content.
				negative += cueNegativeWeight
			case group == cueLow:
				s.low = true
			case group == cueNegative:
				// "not bad" is no complaint, but not praise either.
				if !negated {
					negative++
				}
			case group == cuePositive:
				if negated {
					negative++
				} else {
					positive++
				}
			}
		}
		// A negation that turns no cue around still tells of something
		// that does not work: "it doesn't open", "no me llega".
		for _, n := range negators {
			if !n.used {
				negative += negatorWeight
			}
		}
		folded := strings.Join(tokens, " ")
		for c, cat := range r.categories {
			for _, re := range cat.patterns {
				if re.MatchString(folded) {
					s.categories[c] += weight * patternWeight
				}
			}
		}
		if matchesAny(r.urgentPatterns, folded) {
			s.urgent = true
			negative += cueNegativeWeight
		}
		if matchesAny(r.highPatterns, folded) {
			s.high = true
			negative += cueNegativeWeight
		}
		if matchesAny(r.lowPatterns, folded) {
			s.low = true
		}
		if negative > 0 {
			negative += intensifierWeight * float64(min(intensifiers(text), maxIntensifiers))
		}
		s.negative += weight * negative
		s.positive += weight * positive
	}
	return s
}

// intensifiers counts exclamation marks, doubled question marks and
// shouted words (four letters or more, all capitals, so acronyms such as
// VAT or PDF do not count), which make a complaint stronger.
func intensifiers(text string) int {
	n := strings.Count(text, "!") + strings.Count(text, "！") + strings.Count(text, "??")
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		letters, upper := 0, 0
		for _, r := range w {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if letters >= 4 && upper == letters {
			n++
		}
	}
	return n
}
