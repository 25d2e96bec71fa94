package privdrop

import (
	"os/user"
	"strconv"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	root, err := user.Lookup("root")
	if err != nil {
		t.Skip("no root user in the password database")
	}
	rootGID, _ := strconv.Atoi(root.Gid)
	for _, tc := range []struct {
		name    string
		user    string
		euid    int
		drop    bool
		wantErr string
	}{
		{name: "no user", user: "", euid: 0},
		{name: "not root ignores the user", user: "root", euid: 1000},
		{name: "not root ignores an unknown user", user: "no-such-upslab-user", euid: 1000},
		{name: "root drops", user: "root", euid: 0, drop: true},
		{name: "root with an unknown user", user: "no-such-upslab-user", euid: 0, wantErr: "user no-such-upslab-user not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, drop, err := Plan(tc.user, tc.euid)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if drop != tc.drop {
				t.Fatalf("drop = %v, want %v", drop, tc.drop)
			}
			if drop && (c.UID != 0 || c.GID != rootGID || c.Name != "root" || len(c.Groups) == 0 || c.Groups[0] != rootGID) {
				t.Fatalf("credentials = %+v", c)
			}
		})
	}
}
