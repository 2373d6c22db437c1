package poolsvc

import (
	"github.com/daos-go/daos/pkg/daos"
)

// OpContEvict closes open handles of the container that the client's
// container handle (Command.Handle) is open on, as daos container evict
// does. Without Force it closes the other handles opened with the same
// user's credential; with Force (--all) every other handle, which needs
// the o permission (whoever may give the container away may also shut it).
// The sender's own handle stays open (its client closes it). The result is
// the number of handles closed; the engines are told to drop them like any
// closed handle (Closing).
const OpContEvict = "cont_evict"

func (t *txn) contEvict(c *Command) (int, error) {
	if c.Handle == "" {
		return 0, daos.Errorf(daos.ErrNoHdl, "evict container handles: no container handle given")
	}
	perm := Perm(0)
	if c.Force {
		perm = PermSetOwner
	}
	ct, err := t.contForChange(c.Handle, perm)
	if err != nil {
		return 0, err
	}
	own := ct.Handles[c.Handle]
	n := 0
	for _, h := range sortedKeys(ct.Handles) {
		if h == c.Handle {
			continue
		}
		if !c.Force && ct.Handles[h].Cred.User != own.Cred.User {
			continue
		}
		delete(ct.Handles, h)
		n++
	}
	return n, nil
}
