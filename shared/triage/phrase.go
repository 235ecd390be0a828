package triage

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// minPrefixRunes keeps a wildcard keyword from matching nearly every word.
const minPrefixRunes = 3

// phrase is one keyword of the rules file as tokens. With prefix set, its
// last token matches any word that starts with it ("refund*").
type phrase struct {
	tokens []string
	prefix bool
	// group is what a match counts towards (a category, a priority cue,
	// a sentiment polarity, a negator).
	group int
}

// phraseSet finds every keyword of the rules in a token list in one pass:
// phrases are indexed by their first token, and only single-word prefixes
// need a scan, so the cost grows with the text, not with the rule count.
type phraseSet struct {
	phrases  []phrase
	byFirst  map[string][]int
	prefixes []int
}

func newPhraseSet() *phraseSet {
	return &phraseSet{byFirst: make(map[string][]int)}
}

// add parses keyword the way message text is tokenized, so a keyword
// matches on word boundaries, ignoring case, accents and punctuation.
func (s *phraseSet) add(keyword string, group int) error {
	prefix := strings.HasSuffix(keyword, "*")
	tokens := words(strings.TrimSuffix(keyword, "*"))
	switch {
	case len(tokens) == 0:
		return fmt.Errorf("keyword %q has no letters or digits", keyword)
	case strings.Contains(strings.TrimSuffix(keyword, "*"), "*"):
		return fmt.Errorf("keyword %q: only a trailing * is a wildcard", keyword)
	case prefix && utf8.RuneCountInString(tokens[len(tokens)-1]) < minPrefixRunes:
		return fmt.Errorf("keyword %q: a wildcard needs at least %d letters before it", keyword, minPrefixRunes)
	}
	p := phrase{tokens: tokens, prefix: prefix, group: group}
	wildcardOnly := prefix && len(tokens) == 1
	existing := s.byFirst[tokens[0]]
	if wildcardOnly {
		existing = s.prefixes
	}
	// Languages share words ("terrible", "excellent"): a keyword listed
	// twice for the same group would otherwise count twice.
	for _, id := range existing {
		if s.phrases[id].equal(p) {
			return nil
		}
	}
	id := len(s.phrases)
	s.phrases = append(s.phrases, p)
	if wildcardOnly {
		s.prefixes = append(s.prefixes, id)
	} else {
		s.byFirst[tokens[0]] = append(s.byFirst[tokens[0]], id)
	}
	return nil
}

func (p phrase) equal(q phrase) bool {
	return p.prefix == q.prefix && p.group == q.group && slices.Equal(p.tokens, q.tokens)
}

// match is one keyword found in a token list, over tokens start to end-1.
type match struct {
	phrase, start, end int
}

// find appends to dst every phrase occurrence in tokens, in text order.
func (s *phraseSet) find(dst []match, tokens []string) []match {
	for i, tok := range tokens {
		for _, id := range s.byFirst[tok] {
			if s.matchesAt(id, tokens, i) {
				dst = append(dst, match{phrase: id, start: i, end: i + len(s.phrases[id].tokens)})
			}
		}
		for _, id := range s.prefixes {
			if strings.HasPrefix(tok, s.phrases[id].tokens[0]) {
				dst = append(dst, match{phrase: id, start: i, end: i + 1})
			}
		}
	}
	return dst
}

func (s *phraseSet) matchesAt(id int, tokens []string, at int) bool {
	p := s.phrases[id]
	if at+len(p.tokens) > len(tokens) {
		return false
	}
	last := len(p.tokens) - 1
	for j, want := range p.tokens {
		got := tokens[at+j]
		if j == last && p.prefix {
			if !strings.HasPrefix(got, want) {
				return false
			}
		} else if got != want {
			return false
		}
	}
	return true
}
