package escalate

import (
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func rotation(kind quench.RotationKind, length int, zone, start string, people ...string) quench.Rotation {
	st := utc(start) // only its fields: it is a local time in zone
	return quench.Rotation{Name: "l", Kind: kind, Length: length, TimeZone: zone,
		Start:        quench.LocalTime{Year: st.Year(), Month: st.Month(), Day: st.Day(), Hour: st.Hour(), Minute: st.Minute()},
		Participants: people}
}

// TestHandoffsAcrossDST pins hand-off instants (in UTC, worked out by hand
// from the 2026 transitions) for rotations that straddle a change of
// offset: Europe/Berlin (29 March, 25 October), America/New_York (8 March,
// 1 November) and Pacific/Chatham (+12:45/+13:45; 5 April, 27 September).
func TestHandoffsAcrossDST(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    quench.Rotation
		want []string // hand-offs in UTC, "YYYY-MM-DD HH:MM"
	}{
		{"berlin daily 09:00, spring forward: the shift over the change lasts 23h",
			rotation(quench.RotationDaily, 1, "Europe/Berlin", "2026-03-27 09:00", "a", "b"),
			[]string{"2026-03-27 08:00", "2026-03-28 08:00", "2026-03-29 07:00", "2026-03-30 07:00"}},
		{"berlin daily 09:00, fall back: 25h",
			rotation(quench.RotationDaily, 1, "Europe/Berlin", "2026-10-24 09:00", "a", "b"),
			[]string{"2026-10-24 07:00", "2026-10-25 08:00", "2026-10-26 08:00"}},
		{"berlin hand-off at 02:30, a wall time that does not exist on 29 March: 03:30 CEST",
			rotation(quench.RotationDaily, 1, "Europe/Berlin", "2026-03-28 02:30", "a", "b"),
			[]string{"2026-03-28 01:30", "2026-03-29 01:30", "2026-03-30 00:30"}},
		{"berlin hand-off at 02:30, which happens twice on 25 October: the second (CET)",
			rotation(quench.RotationDaily, 1, "Europe/Berlin", "2026-10-24 02:30", "a", "b"),
			[]string{"2026-10-24 00:30", "2026-10-25 01:30", "2026-10-26 01:30"}},
		{"new york weekly monday 09:00 over 8 March",
			rotation(quench.RotationWeekly, 1, "America/New_York", "2026-03-02 09:00", "a", "b"),
			[]string{"2026-03-02 14:00", "2026-03-09 13:00", "2026-03-16 13:00"}},
		{"new york weekly over 1 November",
			rotation(quench.RotationWeekly, 1, "America/New_York", "2026-10-26 09:00", "a", "b"),
			[]string{"2026-10-26 13:00", "2026-11-02 14:00"}},
		{"new york 12-hour shifts at 09:00 and 21:00: 11h over the change",
			rotation(quench.RotationHourly, 12, "America/New_York", "2026-03-07 21:00", "a", "b"),
			[]string{"2026-03-08 02:00", "2026-03-08 13:00", "2026-03-09 01:00"}},
		{"new york 12-hour shifts over 1 November: 13h",
			rotation(quench.RotationHourly, 12, "America/New_York", "2026-10-31 21:00", "a", "b"),
			[]string{"2026-11-01 01:00", "2026-11-01 14:00", "2026-11-02 02:00"}},
		{"chatham daily 09:00 when daylight time ends on 5 April (+13:45 to +12:45)",
			rotation(quench.RotationDaily, 1, "Pacific/Chatham", "2026-04-04 09:00", "a", "b"),
			[]string{"2026-04-03 19:15", "2026-04-04 20:15", "2026-04-05 20:15"}},
		{"chatham daily 09:00 when it starts on 27 September (+12:45 to +13:45)",
			rotation(quench.RotationDaily, 1, "Pacific/Chatham", "2026-09-26 09:00", "a", "b"),
			[]string{"2026-09-25 20:15", "2026-09-26 19:15", "2026-09-27 19:15"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &quench.Schedule{ID: "s", TimeZone: tt.r.TimeZone, Layers: []quench.Rotation{tt.r}}
			from := utc(tt.want[0])
			to := utc(tt.want[len(tt.want)-1])
			shifts := Shifts(s, nil, from.Add(-time.Hour), to)
			var got []string
			for _, sh := range shifts {
				got = append(got, sh.Start.UTC().Format("2006-01-02 15:04"))
			}
			if len(got) != len(tt.want)-1 {
				t.Fatalf("hand-offs %v, want %v", got, tt.want[:len(tt.want)-1])
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("hand-off %d at %s UTC, want %s", i, got[i], tt.want[i])
				}
				if want := []string{"a", "b"}[i%2]; shifts[i].Person != want {
					t.Errorf("shift %d: %s, want %s", i, shifts[i].Person, want)
				}
			}
			if end := shifts[len(shifts)-1].End.UTC(); !end.Equal(to) {
				t.Errorf("last shift ends %s, want %s", end, to)
			}
			// layerAt agrees with Shifts a minute either side of each hand-off.
			for i, w := range tt.want[:len(tt.want)-1] {
				h := utc(w)
				if p, start, _, ok := layerAt(&tt.r, h.Add(time.Minute)); !ok || p != []string{"a", "b"}[i%2] || !start.Equal(h) {
					t.Errorf("layerAt(%s+1m) = %s from %s", w, p, start.UTC())
				}
				if i > 0 {
					if p, _, end, _ := layerAt(&tt.r, h.Add(-time.Minute)); p != []string{"a", "b"}[(i-1)%2] || !end.Equal(h) {
						t.Errorf("layerAt(%s-1m) = %s until %s", w, p, end.UTC())
					}
				}
			}
		})
	}
}

func TestLayersAndRestrictions(t *testing.T) {
	weekly := rotation(quench.RotationWeekly, 1, "Europe/Berlin", "2026-01-05 09:00", "alice", "bob")
	weekend := rotation(quench.RotationDaily, 1, "Europe/Berlin", "2026-01-03 00:00", "carol")
	weekend.Name = "weekend"
	weekend.Restrict = []quench.Window{{Day: time.Saturday, Start: 0, End: 48 * 60}} // Sat 00:00 to Mon 00:00
	// Follow the sun: New York covers 08:00-20:00 its time on weekdays,
	// above the Berlin layers.
	ny := rotation(quench.RotationDaily, 1, "America/New_York", "2026-01-05 08:00", "dave")
	ny.Name = "americas"
	for d := time.Monday; d <= time.Friday; d++ {
		ny.Restrict = append(ny.Restrict, quench.Window{Day: d, Start: 8 * 60, End: 20 * 60})
	}
	s := &quench.Schedule{ID: "ops", TimeZone: "Europe/Berlin", Layers: []quench.Rotation{weekly, weekend, ny}}
	for _, tt := range []struct {
		at   string // UTC
		want string
	}{
		{"2026-01-05 07:59", ""},      // before the weekly layer starts (09:00 CET = 08:00Z)
		{"2026-01-05 08:00", "alice"}, // Monday 09:00 Berlin
		{"2026-01-05 12:59", "alice"}, // 07:59 New York
		{"2026-01-05 13:00", "dave"},  // 08:00 New York
		{"2026-01-06 00:59", "dave"},  // 19:59 New York
		{"2026-01-06 01:00", "alice"}, // 20:00 New York
		{"2026-01-10 12:00", "carol"}, // Saturday: the weekend layer
		{"2026-01-11 22:59", "carol"}, // Sunday 23:59 Berlin
		{"2026-01-11 23:00", "alice"}, // Monday 00:00 Berlin: weekly again, still alice's week
		{"2026-01-12 08:00", "bob"},   // Monday 09:00: bob's week
		{"2026-03-30 12:00", "dave"},  // after both changes: 08:00 EDT is 12:00Z
		{"2026-03-30 11:59", "alice"}, // 07:59 EDT; week 13 is alice's
	} {
		p, _, _ := onCallAt(s, nil, utc(tt.at))
		if p != tt.want {
			t.Errorf("on call at %s UTC: %q, want %q", tt.at, p, tt.want)
		}
	}
}

func TestOverrides(t *testing.T) {
	s := &quench.Schedule{ID: "ops", TimeZone: "UTC", Layers: []quench.Rotation{
		rotation(quench.RotationDaily, 1, "UTC", "2026-06-01 09:00", "alice", "bob"),
	}}
	ovs := []*quench.Override{
		// erin takes 12:00-14:00 on 1 June from whoever is on call
		{ID: 1, Schedule: "ops", Person: "erin", Start: utc("2026-06-01 12:00"), End: utc("2026-06-01 14:00")},
		// frank covers bob's shifts between 2 and 4 June (a swap)
		{ID: 2, Schedule: "ops", Person: "frank", Replaces: "bob", Start: utc("2026-06-02 00:00"), End: utc("2026-06-04 00:00")},
		// a newer override wins over an older one
		{ID: 3, Schedule: "ops", Person: "gina", Start: utc("2026-06-01 13:00"), End: utc("2026-06-01 13:30")},
		// another schedule's override changes nothing here
		{ID: 4, Schedule: "other", Person: "zed", Start: utc("2026-06-01 00:00"), End: utc("2026-07-01 00:00")},
	}
	for _, tt := range []struct {
		at   string
		want string
		ov   int64
	}{
		{"2026-06-01 11:59", "alice", 0},
		{"2026-06-01 12:00", "erin", 1},
		{"2026-06-01 13:10", "gina", 3},
		{"2026-06-01 13:30", "erin", 1},
		{"2026-06-01 14:00", "alice", 0},
		{"2026-06-02 08:59", "alice", 0}, // alice's shift, frank only replaces bob
		{"2026-06-02 09:00", "frank", 2},
		{"2026-06-03 09:00", "alice", 0},
		{"2026-06-04 09:00", "bob", 0}, // the swap has ended
	} {
		p, _, ov := onCallAt(s, ovs, utc(tt.at))
		if p != tt.want || ov != tt.ov {
			t.Errorf("at %s: %s (override %d), want %s (%d)", tt.at, p, ov, tt.want, tt.ov)
		}
	}
	shifts := Shifts(s, ovs, utc("2026-06-01 09:00"), utc("2026-06-01 18:00"))
	var got []string
	for _, sh := range shifts {
		got = append(got, sh.Person+"@"+sh.Start.Format("15:04")+"-"+sh.End.Format("15:04"))
	}
	want := []string{"alice@09:00-12:00", "erin@12:00-13:00", "gina@13:00-13:30", "erin@13:30-14:00", "alice@14:00-18:00"}
	if len(got) != len(want) {
		t.Fatalf("shifts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("shift %d %s, want %s", i, got[i], want[i])
		}
	}
	r := &Resolver{Config: &quench.OnCallConfig{Schedules: []quench.Schedule{*s}, Roles: []quench.RoleBinding{{Role: "ops", Schedule: "ops"}}}, Overrides: ovs}
	_, e, err := r.Role("ops", utc("2026-06-01 10:00"))
	if err != nil || !e.Until.Equal(utc("2026-06-01 12:00")) {
		t.Errorf("until %s, %v; want the override at 12:00", e.Until, err)
	}
}
