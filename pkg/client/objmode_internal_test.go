package client

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/daos-go/daos/pkg/daos"
)

// A container open read-only refuses read-write objects before anything
// else (daos_obj_open checks the container handle's mode).
func TestReadOnlyContainerRefusesRWObjects(t *testing.T) {
	c := &Container{flags: RO}
	_, err := c.OpenObject(daos.ObjectID{Lo: 1}, OORW)
	assert.ErrorIs(t, err, daos.ErrNoPerm)
}
