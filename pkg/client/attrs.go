package client

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// User attributes of pools and containers (daos_{pool,cont}_*_attr).
// Changes go through the pool service as commands bound to the handle
// the caller holds (the service checks that it may write); reads go
// through the service's query path.

// pickAttrs gives the named attributes of all (all of them when names is
// empty); a missing name is DER_NONEXIST, as daos_*_get_attr answers.
func pickAttrs(all map[string][]byte, names []string) (map[string][]byte, error) {
	if len(names) == 0 {
		return all, nil
	}
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		v, ok := all[n]
		if !ok {
			return nil, daos.Errorf(daos.ErrNonexist, "no attribute %q", n)
		}
		out[n] = v
	}
	return out, nil
}

func attrNames(all map[string][]byte) []string {
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func checkAttrNames(names []string) error {
	if len(names) == 0 {
		return daos.Errorf(daos.ErrInval, "no attribute names given")
	}
	for _, n := range names {
		if n == "" {
			return daos.Errorf(daos.ErrInval, "empty attribute name")
		}
	}
	return nil
}

func cloneKV(kv map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(kv))
	for k, v := range kv {
		out[k] = slices.Clone(v)
	}
	return out
}

// SetAttrs sets pool user attributes (daos_pool_set_attr); the pool must
// have been connected RW or EX.
func (p *Pool) SetAttrs(ctx context.Context, attrs map[string][]byte) error {
	if len(attrs) == 0 {
		return fmt.Errorf("pool set-attr: %w", daos.Errorf(daos.ErrInval, "no attributes given"))
	}
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpSetAttrs, Handle: uuidString(p.Handle), Attrs: cloneKV(attrs)}, nil); err != nil {
		return fmt.Errorf("pool set-attr: %w", err)
	}
	return nil
}

// DelAttrs deletes pool user attributes (daos_pool_del_attr); all must
// exist, or none is deleted.
func (p *Pool) DelAttrs(ctx context.Context, names ...string) error {
	if err := checkAttrNames(names); err != nil {
		return fmt.Errorf("pool del-attr: %w", err)
	}
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpDelAttrs, Handle: uuidString(p.Handle), Names: names}, nil); err != nil {
		return fmt.Errorf("pool del-attr: %w", err)
	}
	return nil
}

func (p *Pool) allAttrs(ctx context.Context) (map[string][]byte, error) {
	all := map[string][]byte{}
	if err := p.query(ctx, poolsvc.Query{What: "attrs"}, &all); err != nil {
		return nil, err
	}
	return all, nil
}

// GetAttrs reads pool user attributes by name, all of them when no name
// is given (daos_pool_get_attr).
func (p *Pool) GetAttrs(ctx context.Context, names ...string) (map[string][]byte, error) {
	all, err := p.allAttrs(ctx)
	if err != nil {
		return nil, fmt.Errorf("pool get-attr: %w", err)
	}
	out, err := pickAttrs(all, names)
	if err != nil {
		return nil, fmt.Errorf("pool get-attr: %w", err)
	}
	return out, nil
}

// ListAttrs lists the pool's user attribute names, sorted
// (daos_pool_list_attr).
func (p *Pool) ListAttrs(ctx context.Context) ([]string, error) {
	all, err := p.allAttrs(ctx)
	if err != nil {
		return nil, fmt.Errorf("pool list-attr: %w", err)
	}
	return attrNames(all), nil
}

// service is the pool a container was opened through; views made by hand
// have none.
func (c *Container) service() (*Pool, error) {
	if c.pool == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "container not opened through a pool")
	}
	return c.pool, nil
}

func (c *Container) uuid() string { return uuidString(c.UUID) }

// SetAttrs sets container user attributes (daos_cont_set_attr); the
// container must be open for writing.
func (c *Container) SetAttrs(ctx context.Context, attrs map[string][]byte) error {
	p, err := c.service()
	if err == nil && len(attrs) == 0 {
		err = daos.Errorf(daos.ErrInval, "no attributes given")
	}
	if err == nil {
		err = p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContSetAttrs, Handle: uuidString(c.Handle), Attrs: cloneKV(attrs)}, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s set-attr: %w", c.uuid(), err)
	}
	return nil
}

// DelAttrs deletes container user attributes (daos_cont_del_attr).
func (c *Container) DelAttrs(ctx context.Context, names ...string) error {
	p, err := c.service()
	if err == nil {
		err = checkAttrNames(names)
	}
	if err == nil {
		err = p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContDelAttrs, Handle: uuidString(c.Handle), Names: names}, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s del-attr: %w", c.uuid(), err)
	}
	return nil
}

func (c *Container) allAttrs(ctx context.Context) (map[string][]byte, error) {
	p, err := c.service()
	if err != nil {
		return nil, err
	}
	all := map[string][]byte{}
	if err := p.query(ctx, poolsvc.Query{What: "cont_attrs", ID: c.uuid(), Handle: uuidString(c.Handle)}, &all); err != nil {
		return nil, err
	}
	return all, nil
}

// GetAttrs reads container user attributes by name, all of them when no
// name is given (daos_cont_get_attr).
func (c *Container) GetAttrs(ctx context.Context, names ...string) (map[string][]byte, error) {
	all, err := c.allAttrs(ctx)
	if err == nil {
		all, err = pickAttrs(all, names)
	}
	if err != nil {
		return nil, fmt.Errorf("container %s get-attr: %w", c.uuid(), err)
	}
	return all, nil
}

// ListAttrs lists the container's user attribute names, sorted
// (daos_cont_list_attr).
func (c *Container) ListAttrs(ctx context.Context) ([]string, error) {
	all, err := c.allAttrs(ctx)
	if err != nil {
		return nil, fmt.Errorf("container %s list-attr: %w", c.uuid(), err)
	}
	return attrNames(all), nil
}

// SetProps changes container properties by daos tool name
// (daos_cont_set_prop). Only those DAOS lets change after create are
// accepted (label, status:healthy; owner and group with the o
// permission); the rest are refused with DER_INVAL naming the property.
// The properties are checked here before anything is sent.
func (c *Container) SetProps(ctx context.Context, props map[string]string) error {
	p, err := c.service()
	if err == nil {
		err = checkSettable(props)
	}
	if err == nil {
		err = p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContSetProps, Handle: uuidString(c.Handle), Props: props}, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s set-prop: %w", c.uuid(), err)
	}
	if c.Info != nil {
		if info, qErr := c.Query(ctx); qErr == nil {
			c.Info = info
		}
	}
	return nil
}

func checkSettable(props map[string]string) error {
	if len(props) == 0 {
		return daos.Errorf(daos.ErrInval, "no properties given")
	}
	for k, v := range props {
		if k == "owner" || k == "group" {
			continue
		}
		d, err := poolsvc.LookupContProp(k)
		if err != nil {
			return err
		}
		switch d.Access {
		case poolsvc.ContReadOnly:
			return daos.Errorf(daos.ErrInval, "container property %s is read-only", d.Name)
		case poolsvc.ContCreateOnly:
			return daos.Errorf(daos.ErrInval, "container property %s can only be set when the container is created", d.Name)
		}
		if _, err := d.Parse(v); err != nil {
			return err
		}
	}
	return nil
}

// Query reads the container's current state from the pool service.
func (c *Container) Query(ctx context.Context) (*poolsvc.ContInfo, error) {
	p, err := c.service()
	if err != nil {
		return nil, fmt.Errorf("container query: %w", err)
	}
	info := &poolsvc.ContInfo{}
	if err := p.query(ctx, poolsvc.Query{What: "container", ID: c.uuid(), Handle: uuidString(c.Handle)}, info); err != nil {
		return nil, fmt.Errorf("container %s query: %w", c.uuid(), err)
	}
	return info, nil
}
