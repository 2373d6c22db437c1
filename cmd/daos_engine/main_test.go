package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/engine"
)

func TestAggregationOptions(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	o, err := aggregationOptions(env(nil))
	require.NoError(t, err)
	assert.Equal(t, engine.AggregationOptions{}, o, "unset: the engine's defaults")
	o, err = aggregationOptions(env(map[string]string{aggIntervalEnv: "2s", aggWindowEnv: "1m30s"}))
	require.NoError(t, err)
	assert.Equal(t, engine.AggregationOptions{Interval: 2 * time.Second, Window: 90 * time.Second}, o)
	for _, bad := range []string{"10", "-1s", "0s", "soon"} {
		_, err = aggregationOptions(env(map[string]string{aggWindowEnv: bad}))
		assert.ErrorContains(t, err, aggWindowEnv, bad)
	}
}
