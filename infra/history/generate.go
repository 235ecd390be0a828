package history

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

const day = 24 * time.Hour

// DefaultChannels are the channels of a history whose Options name none.
var DefaultChannels = []inbox.Channel{
	inbox.ChannelChat, inbox.ChannelEmail, inbox.ChannelWhatsApp, inbox.ChannelTelegram, inbox.ChannelSMS,
}

// channelShare is how many customers pick each channel, relatively.
var channelShare = map[inbox.Channel]float64{
	inbox.ChannelChat: 35, inbox.ChannelEmail: 25, inbox.ChannelWhatsApp: 20,
	inbox.ChannelTelegram: 10, inbox.ChannelSMS: 10,
}

// agents work the inbox; the last one answers less often than the rest,
// and one name carries characters that must be escaped wherever it lands.
var agents = []inbox.Agent{
	{ID: "U0GEN0ANA", Name: "Ana Lima"},
	{ID: "U0GEN0BEN", Name: "Ben Okafor"},
	{ID: "U0GEN0CHL", Name: "Chloé Martin"},
	{ID: "U0GEN0DAV", Name: "David Cohen"},
	{ID: "U0GEN0EMI", Name: "Emi Tanaka"},
	{ID: "U0GEN0ZOE", Name: "Zoë O'Neil <Nights & Weekends>"},
}

var agentShare = []float64{25, 22, 20, 15, 12, 6}

var categories = []string{"billing", "shipping", "returns", "technical", "account", inbox.CategoryOther}
var categoryShare = []float64{30, 25, 15, 15, 10, 5}

var priorityShare = []float64{20, 50, 22, 8} // inbox.Priorities, least urgent first

// scoreShare is how customers rate, 1 to 5.
var scoreShare = []float64{9, 7, 12, 26, 46}

var languages = []string{"en", "en", "en", "fr", "de", "es", "pt-BR"}

var firstNames = []string{"Ana", "Ben", "Chiara", "Dmitri", "Elif", "Femi", "Grace", "Hugo", "Inès", "Jonas",
	"Keiko", "Liam", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq"}
var lastNames = []string{"Silva", "Müller", "Rossi", "Ivanova", "Yılmaz", "Adeyemi", "Kim", "Dubois", "García",
	"Berg", "Sato", "Walsh", "Chen", "Haddad", "Khan", "Patel", "Moreau", "López", "Nilsson", "Aziz"}

// hostileNames are customer names that must be escaped wherever they land:
// a spreadsheet formula, HTML, Slack mrkdwn.
var hostileNames = []string{`=HYPERLINK("http://evil.example","x")`, `<img src=x onerror=alert(1)>`, `*Eve* <!channel> _&_`, `+1 @here -2`}

// workingHours are when the generated team answers at once; the reports'
// business hours need not be the same.
const workingHours = "Mon-Fri 09:00-17:00"

// Generate returns the history o describes. The same Options give the same
// events: every choice comes from one PCG stream seeded with o.Seed.
func Generate(o Options) History {
	o = o.withDefaults()
	hours, err := inbox.ParseBusinessHours(workingHours, o.Location)
	if err != nil {
		panic("history: " + err.Error())
	}
	g := &generator{
		rng:   rand.New(rand.NewPCG(uint64(o.Seed), 0x5b0a4d8)),
		o:     o,
		hours: hours,
		end:   o.Start.AddDate(0, o.Months, 0),
	}
	customers := make([]Customer, o.Customers)
	for i := range customers {
		customers[i] = g.newCustomer(i)
	}
	for i := range customers {
		g.customer(i)
	}
	slices.SortStableFunc(g.events, func(a, b Event) int { return a.At.Compare(b.At) })
	return History{
		Options: o, Customers: customers, Agents: slices.Clone(agents),
		Conversations: g.conversations, Replies: g.replies, Events: g.events,
		End: g.end, Clock: &Clock{},
	}
}

func (o Options) withDefaults() Options {
	if o.Customers <= 0 {
		o.Customers = 300
	}
	if o.Months <= 0 {
		o.Months = 12
	}
	if len(o.Channels) == 0 {
		o.Channels = DefaultChannels
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 11, 23, 8, 30, 0, 0, o.Location)
	}
	o.Start = o.Start.Truncate(time.Second)
	return o
}

type generator struct {
	rng    *rand.Rand
	o      Options
	hours  inbox.BusinessHours
	end    time.Time
	events []Event

	conversations, replies int
}

// emit records an event unless it falls after the history's end; the
// events of a conversation come in time order, so what is dropped is
// always the tail of a conversation.
func (g *generator) emit(e Event) {
	if e.At.Before(g.end) {
		g.events = append(g.events, e)
	}
}

func (g *generator) newCustomer(i int) Customer {
	weights := make([]float64, len(g.o.Channels))
	for j, ch := range g.o.Channels {
		weights[j] = channelShare[ch]
		if weights[j] == 0 {
			weights[j] = 10
		}
	}
	ch := g.o.Channels[g.pick(weights)]
	name := firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
	if i%50 == 17 {
		name = hostileNames[(i/50)%len(hostileNames)]
	}
	// The number keeps names unique, so tests can find a customer by name.
	name += " " + strconv.Itoa(i+1)
	return Customer{Name: name, Channel: ch, Address: address(ch, i)}
}

func address(ch inbox.Channel, i int) string {
	switch ch {
	case inbox.ChannelEmail:
		return fmt.Sprintf("customer%d@example.com", i+1)
	case inbox.ChannelWhatsApp, inbox.ChannelSMS:
		return fmt.Sprintf("+4477009%05d", i+1)
	case inbox.ChannelTelegram:
		return strconv.Itoa(700000000 + i + 1)
	case inbox.ChannelChat:
		return fmt.Sprintf("visitor-%06d", i+1)
	}
	return fmt.Sprintf("%s-%d", ch, i+1)
}

// customerState is what shapes a customer's next conversation.
type customerState struct {
	index int
	// asked is when the customer was last asked for a rating, for the
	// survey-fatigue rule; lastScore their last answer.
	asked     time.Time
	lastScore int
}

// customer plays one customer's conversations, one after another: a
// customer has at most one conversation going, and starts a new one only
// when the last is resolved and past its reopen window.
func (g *generator) customer(i int) {
	c := &customerState{index: i}
	next := time.Time{}
	for _, t := range g.plan() {
		if t.Before(next) {
			t = next.Add(g.between(0, 3*day))
		}
		if !t.Before(g.end) {
			return
		}
		// Customers who rated their last interaction badly often leave.
		if c.lastScore > 0 && c.lastScore <= 2 && g.rng.Float64() < 0.4 {
			return
		}
		resolvedAt, resolved := g.conversation(c, t)
		if !resolved {
			return
		}
		next = resolvedAt.Add(inbox.DefaultReopenWindow + g.between(time.Hour, 2*day))
	}
}

// plan picks when a customer means to write: once, regularly with their
// own rhythm (and maybe stopping), or a few times at random.
func (g *generator) plan() []time.Time {
	span := g.end.Sub(g.o.Start)
	at := func(d time.Duration) time.Time { return g.daytime(g.o.Start.Add(d)) }
	var plan []time.Time
	switch r := g.rng.Float64(); {
	case r < 0.28:
		plan = append(plan, at(g.between(0, span)))
	case r < 0.75:
		every := g.between(16*day, 75*day)
		t := g.between(0, span*3/4)
		stopAfter := math.MaxInt
		if g.rng.Float64() < 0.35 {
			stopAfter = 2 + g.rng.IntN(5)
		}
		for ; t < span && len(plan) < stopAfter; t += time.Duration(float64(every) * (0.75 + g.rng.Float64()/2)) {
			plan = append(plan, at(t))
		}
	default:
		for n := 2 + g.rng.IntN(4); n > 0; n-- {
			plan = append(plan, at(g.between(0, span)))
		}
		slices.SortFunc(plan, func(a, b time.Time) int { return a.Compare(b) })
	}
	return plan
}

// conv is a conversation being generated.
type conv struct {
	g        *generator
	c        *customerState
	key      int
	agent    int
	long     bool
	number   int // the interaction: how often the conversation was reopened
	category string
	priority inbox.Priority
	language string
	// t is the time of its latest event; replied says an agent replied in
	// the current interaction.
	t       time.Time
	replied bool
}

// conversation plays a conversation from its first message to its last
// resolution, and returns that resolution; resolved is false when the
// conversation is left open.
func (g *generator) conversation(c *customerState, start time.Time) (time.Time, bool) {
	cv := &conv{g: g, c: c, key: g.conversations, agent: g.pick(agentShare), long: g.rng.Float64() < 0.06,
		language: languages[g.rng.IntN(len(languages))]}
	g.conversations++
	cv.customerWrites(start)
	cv.triage(true)
	cv.followUps(2)
	agentFirst := false
	for {
		resolvedAt, resolved := cv.exchange(agentFirst)
		if !resolved {
			return time.Time{}, false
		}
		cv.rate(resolvedAt)
		r := g.rng.Float64()
		switch {
		case cv.number >= 4 || r >= 0.14:
			return resolvedAt, true
		case r < 0.11:
			// "Thanks, one more thing": a message within the reopen window.
			cv.number++
			cv.replied = false
			cv.customerWrites(resolvedAt.Add(g.between(20*time.Minute, inbox.DefaultReopenWindow-2*time.Hour)))
			cv.triage(false)
			cv.followUps(1)
			agentFirst = false
		default:
			cv.number++
			cv.replied = false
			cv.t = resolvedAt.Add(g.between(2*time.Minute, 2*day))
			g.emit(Event{At: cv.t, Kind: AgentReopen, Conversation: cv.key, Customer: c.index, Agent: cv.agent})
			agentFirst = true
		}
	}
}

func (cv *conv) customerWrites(at time.Time) {
	cv.t = at
	cv.g.emit(Event{At: at, Kind: CustomerMessage, Conversation: cv.key, Customer: cv.c.index})
}

// followUps adds up to n more customer messages, seconds to minutes apart.
func (cv *conv) followUps(n int) {
	for range n {
		if cv.g.rng.Float64() < 0.4 {
			cv.customerWrites(cv.t.Add(cv.g.between(10*time.Second, 4*time.Minute)))
		}
	}
}

// triage is the router's work on a new or reopened conversation: the rules
// at once, and sometimes a model's second opinion, which may change the
// category while nobody has replied yet. A reopened conversation keeps
// its category and may change priority.
func (cv *conv) triage(opening bool) {
	g := cv.g
	if opening {
		cv.category = categories[g.pick(categoryShare)]
		cv.priority = inbox.Priorities[g.pick(priorityShare)]
	} else if g.rng.Float64() < 0.3 {
		cv.priority = inbox.Priorities[g.pick(priorityShare)]
	}
	cv.t = cv.t.Add(g.between(time.Second, 4*time.Second))
	cv.triageCall(inbox.TriageByRules, 0, 0)
	if g.rng.Float64() >= 0.45 {
		return
	}
	if opening && g.rng.Float64() < 0.2 {
		cv.category = categories[g.pick(categoryShare)]
	}
	if g.rng.Float64() < 0.2 {
		cv.priority = inbox.Priorities[g.pick(priorityShare)]
	}
	cv.t = cv.t.Add(g.between(3*time.Second, 25*time.Second))
	cv.triageCall(inbox.TriageByModel, 350+g.rng.IntN(1200), 40+g.rng.IntN(220))
}

func (cv *conv) triageCall(source string, prompt, completion int) {
	t := &inbox.Triage{
		Category: cv.category, Priority: cv.priority, Sentiment: inbox.SentimentNeutral, Language: cv.language,
		Summary: "generated conversation", Source: source, PromptTokens: prompt, CompletionTokens: completion,
	}
	if source == inbox.TriageByModel {
		t.Model = "gpt-4o-mini"
	}
	cv.g.emit(Event{At: cv.t, Kind: TriageCall, Conversation: cv.key, Customer: cv.c.index, Triage: t})
}

// exchange plays an interaction to its end: agents answer what the
// customer wrote (or, after an agent's reopening, write first), the
// customer sometimes writes back, and an agent resolves. resolved is
// false when the conversation is left open for good.
func (cv *conv) exchange(agentFirst bool) (resolvedAt time.Time, resolved bool) {
	g := cv.g
	if !agentFirst && g.rng.Float64() < 0.05 {
		// Nothing to answer (spam, a "thanks"): resolved without a reply.
		return cv.resolve(cv.t.Add(g.between(2*time.Minute, time.Hour)))
	}
	for round := 0; ; round++ {
		if agentFirst && round == 0 {
			cv.reply(cv.t.Add(g.between(time.Minute, 30*time.Minute)))
		} else {
			cv.reply(g.answerAt(cv.t))
		}
		back := 0.5
		switch {
		case cv.long && round < 6:
			back = 0.8
		case round >= 3:
			back = 0.15
		case round >= 1:
			back = 0.35
		}
		if g.rng.Float64() >= back {
			break
		}
		wait := g.lognormal(45*time.Minute, 1.3, 30*time.Second, 2*day)
		if cv.long {
			wait = g.between(day, 6*day)
		}
		cv.customerWrites(cv.t.Add(wait))
		cv.followUps(1)
	}
	if g.rng.Float64() < 0.03 {
		return time.Time{}, false
	}
	if g.rng.Float64() < 0.7 {
		return cv.resolve(cv.t.Add(g.between(2*time.Minute, 2*time.Hour)))
	}
	return cv.resolve(g.working(cv.t.Add(4 * time.Hour)).Add(g.between(5*time.Minute, 2*time.Hour)))
}

// reply writes a public reply at `at`; the channel accepts it seconds
// later, or (rarely) never.
func (cv *conv) reply(at time.Time) {
	g := cv.g
	agent := cv.agent
	if g.rng.Float64() < 0.15 {
		agent = g.pick(agentShare)
	}
	n := g.replies
	g.replies++
	g.emit(Event{At: at, Kind: AgentReply, Conversation: cv.key, Customer: cv.c.index, Agent: agent, Reply: n})
	cv.replied = true
	cv.t = at.Add(20 * time.Second)
	if g.rng.Float64() < 0.03 {
		return
	}
	g.emit(Event{At: at.Add(g.between(time.Second, 20*time.Second)), Kind: Delivery, Conversation: cv.key,
		Customer: cv.c.index, Agent: agent, Reply: n})
}

func (cv *conv) resolve(at time.Time) (time.Time, bool) {
	cv.t = at
	cv.g.emit(Event{At: at, Kind: Resolve, Conversation: cv.key, Customer: cv.c.index, Agent: cv.agent})
	return at, true
}

// rate follows csat's rule for the interaction just resolved: a request
// when an agent replied and the customer was not asked within the
// survey-fatigue period; then, sometimes, an answer within days, and
// rarely a changed mind minutes later (in the same month, where the
// rating items, which keep the last answer only, still tell it).
func (cv *conv) rate(resolvedAt time.Time) {
	g, c := cv.g, cv.c
	if !cv.replied || (!c.asked.IsZero() && !c.asked.Before(resolvedAt.Add(-inbox.DefaultSurveyFatigue))) {
		return
	}
	c.asked = resolvedAt
	if g.rng.Float64() >= 0.45 {
		return
	}
	at := resolvedAt.Add(g.between(20*time.Second, time.Hour))
	if g.rng.Float64() < 0.4 {
		at = resolvedAt.Add(g.between(time.Hour, 5*day))
	}
	score := 1 + g.pick(scoreShare)
	g.emit(Event{At: at, Kind: RatingAnswer, Conversation: cv.key, Customer: c.index, Score: score, Interaction: cv.number})
	if at.Before(g.end) {
		c.lastScore = score
	}
	if g.rng.Float64() >= 0.05 {
		return
	}
	again := at.Add(g.between(time.Minute, 10*time.Minute))
	changed := 1 + (score+g.rng.IntN(4))%5
	if inbox.Period(inbox.PeriodMonth, again, g.o.Location) != inbox.Period(inbox.PeriodMonth, at, g.o.Location) {
		return
	}
	g.emit(Event{At: again, Kind: RatingAnswer, Conversation: cv.key, Customer: c.index, Score: changed, Interaction: cv.number})
	if again.Before(g.end) {
		c.lastScore = changed
	}
}

// daytime moves most contacts to the day, in the team's zone: half to
// office hours, a third to the rest of the waking day; the rest stay where
// they fell, at night too.
func (g *generator) daytime(t time.Time) time.Time {
	t = t.In(g.o.Location).Truncate(time.Second)
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, g.o.Location)
	switch r := g.rng.Float64(); {
	case r < 0.55:
		return midnight.Add(9*time.Hour + g.between(0, 8*time.Hour))
	case r < 0.85:
		return midnight.Add(7*time.Hour + g.between(0, 16*time.Hour))
	}
	return t
}

// answerAt is when an agent answers a customer who wrote at t: mostly in
// working hours, so night and weekend messages wait for the morning;
// sometimes at once whatever the hour, sometimes days later.
func (g *generator) answerAt(t time.Time) time.Time {
	switch r := g.rng.Float64(); {
	case r < 0.04:
		return t.Add(g.between(3*time.Second, 12*time.Second))
	case r < 0.11:
		return t.Add(g.between(30*time.Second, 25*time.Minute))
	case r < 0.17:
		return t.Add(g.between(20*time.Hour, 80*time.Hour))
	}
	return g.working(t).Add(g.lognormal(20*time.Minute, 1.1, 40*time.Second, 7*time.Hour))
}

// working returns t when the team is at work then, and else the next
// opening time.
func (g *generator) working(t time.Time) time.Time {
	t = t.In(g.o.Location)
	for range 14 {
		midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, g.o.Location)
		open, closing := midnight.Add(g.hours.Open), midnight.Add(g.hours.Close)
		if g.hours.Days[midnight.Weekday()] && t.Before(closing) {
			if t.Before(open) {
				return open
			}
			return t
		}
		t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, g.o.Location)
	}
	return t
}

// between returns a whole number of seconds in [lo, hi).
func (g *generator) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo.Truncate(time.Second)
	}
	return (lo + time.Duration(g.rng.Int64N(int64(hi-lo)))).Truncate(time.Second)
}

// lognormal draws a duration around median, kept within [lo, hi].
func (g *generator) lognormal(median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*g.rng.NormFloat64()))
	return min(max(d, lo), hi).Truncate(time.Second)
}

// pick returns an index drawn with the given relative weights.
func (g *generator) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	r := g.rng.Float64() * total
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}
