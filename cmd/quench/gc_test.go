package main

import "testing"

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		live uint64
		want int
	}{
		{0, gcMaxPercent},      // nothing measured yet
		{5 * mb, gcMaxPercent}, // a storm's live heap: grow to 25 MB, not past the floor
		{64 * mb / 5, 400},     // 5 × 12.8 MB = 64 MB: exactly the floor
		{16 * mb, 300},         // 4 × 16 = 64
		{32 * mb, 100},         // 2 × 32 = 64
		{40 * mb, 100},         // never below the default
		{1 << 30, 100},         // a large live heap: the default
	}
	for _, tt := range tests {
		if got := gcPercent(tt.live); got != tt.want {
			t.Errorf("gcPercent(%d MB) = %d, want %d", tt.live/mb, got, tt.want)
		}
	}
}
