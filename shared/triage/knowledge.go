package triage

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxPassageRunes keeps a passage to a few paragraphs, so three of them
// fit in a prompt with room to spare.
const maxPassageRunes = 1200

// BM25's usual constants: k1 caps how much repeating a word helps, b how
// much a long passage is penalised for containing more words.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// stopwords are English words too common to say what a passage is about.
// Other languages' function words are rare in the (usually English) help
// articles, so BM25's inverse document frequency already discounts them.
var stopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true,
	"by": true, "can": true, "do": true, "does": true, "for": true, "from": true, "has": true, "have": true,
	"how": true, "i": true, "if": true, "in": true, "is": true, "it": true, "its": true, "me": true,
	"my": true, "no": true, "not": true, "of": true, "on": true, "or": true, "our": true, "please": true,
	"so": true, "that": true, "the": true, "there": true, "this": true, "to": true, "was": true, "we": true,
	"what": true, "when": true, "where": true, "which": true, "will": true, "with": true, "would": true,
	"yet": true, "you": true, "your": true,
}

// Passage is a piece of a help article, the unit the model is given.
type Passage struct {
	Article string
	Heading string
	Text    string
	// Score is the passage's BM25 score for the query that found it.
	Score float64
}

// Knowledge is a searchable set of help-article passages. It is read-only
// after loading and safe for concurrent use.
type Knowledge struct {
	passages []Passage
	terms    []map[string]int
	lengths  []int
	docFreq  map[string]int
	avgLen   float64
}

// LoadKnowledge reads every *.md file of fsys as one help article. Its
// title is the first "# " heading, or the file name without one, and it
// is split into passages at "## " headings, long sections further at
// paragraph breaks.
func LoadKnowledge(fsys fs.FS) (*Knowledge, error) {
	k := &Knowledge{docFreq: make(map[string]int)}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(path.Ext(name), ".md") {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if !utf8.Valid(data) {
			return fmt.Errorf("%s: not UTF-8 text", name)
		}
		for _, p := range splitArticle(strings.TrimSuffix(path.Base(name), path.Ext(name)), string(data)) {
			k.add(p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load knowledge: %w", err)
	}
	if len(k.passages) == 0 {
		return nil, errors.New("load knowledge: no passages in any .md file")
	}
	total := 0
	for _, n := range k.lengths {
		total += n
	}
	k.avgLen = float64(total) / float64(len(k.lengths))
	return k, nil
}

// add indexes a passage under the words of its article title, heading and
// text: a title such as "Resetting your password" says most about it.
func (k *Knowledge) add(p Passage) {
	terms := make(map[string]int)
	n := 0
	for _, w := range words(p.Article + "\n" + p.Heading + "\n" + p.Text) {
		if !stopwords[w] {
			terms[w]++
			n++
		}
	}
	for w := range terms {
		k.docFreq[w]++
	}
	k.passages = append(k.passages, p)
	k.terms = append(k.terms, terms)
	k.lengths = append(k.lengths, n)
}

// splitArticle cuts a Markdown article into passages. Headings inside
// fenced code blocks are code (a shell comment), not structure.
func splitArticle(fileName, text string) []Passage {
	title := ""
	type section struct {
		heading string
		body    []string
	}
	sections := []section{{}}
	inFence := false
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
		}
		switch {
		case !inFence && title == "" && strings.HasPrefix(line, "# "):
			title = strings.TrimSpace(line[2:])
			continue
		case !inFence && strings.HasPrefix(line, "## "):
			sections = append(sections, section{heading: strings.TrimSpace(line[3:])})
			continue
		}
		last := &sections[len(sections)-1]
		last.body = append(last.body, line)
	}
	if title == "" {
		title = fileName
	}
	var passages []Passage
	for _, s := range sections {
		for _, chunk := range chunkParagraphs(strings.Join(s.body, "\n"), maxPassageRunes) {
			passages = append(passages, Passage{Article: title, Heading: s.heading, Text: chunk})
		}
	}
	return passages
}

// chunkParagraphs packs the paragraphs of text into chunks of at most max
// runes; a paragraph longer than that is cut at word boundaries.
func chunkParagraphs(text string, max int) []string {
	var chunks []string
	var current strings.Builder
	flush := func() {
		if s := strings.TrimSpace(current.String()); s != "" {
			chunks = append(chunks, s)
		}
		current.Reset()
	}
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		if utf8.RuneCountInString(current.String())+utf8.RuneCountInString(para)+2 > max {
			flush()
		}
		for utf8.RuneCountInString(para) > max {
			head, rest := cutWords(para, max)
			chunks = append(chunks, head)
			para = rest
		}
		if current.Len() > 0 {
			current.WriteString("\n\n")
		}
		current.WriteString(para)
	}
	flush()
	return chunks
}

// cutWords splits s after at most max runes, at the last space if any.
func cutWords(s string, max int) (head, rest string) {
	end := len(s)
	n := 0
	for i := range s {
		if n == max {
			end = i
			break
		}
		n++
	}
	if space := strings.LastIndexByte(s[:end], ' '); space > 0 {
		end = space
	}
	return strings.TrimSpace(s[:end]), strings.TrimSpace(s[end:])
}

// Search returns the n passages that best match query by BM25, best
// first; ties keep the order of the files and passages, so the same query
// always gets the same passages. Passages sharing no word with the query
// are never returned.
func (k *Knowledge) Search(query string, n int) []Passage {
	var terms []string
	for _, w := range words(query) {
		if !stopwords[w] && k.docFreq[w] > 0 && !slices.Contains(terms, w) {
			terms = append(terms, w)
		}
	}
	if len(terms) == 0 || n <= 0 {
		return nil
	}
	docs := float64(len(k.passages))
	var found []Passage
	for i, p := range k.passages {
		score := 0.0
		for _, t := range terms {
			tf := float64(k.terms[i][t])
			if tf == 0 {
				continue
			}
			df := float64(k.docFreq[t])
			idf := math.Log(1 + (docs-df+0.5)/(df+0.5))
			norm := bm25K1 * (1 - bm25B + bm25B*float64(k.lengths[i])/k.avgLen)
			score += idf * tf * (bm25K1 + 1) / (tf + norm)
		}
		if score > 0 {
			p.Score = score
			found = append(found, p)
		}
	}
	slices.SortStableFunc(found, func(a, b Passage) int { return cmp.Compare(b.Score, a.Score) })
	return found[:min(n, len(found))]
}
