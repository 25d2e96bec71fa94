package hid

import (
	"fmt"
	"io"
)

// Dump writes one line per item in NUT's debug format (HIDDumpTree,
// without values): "Path: UPS.PowerSummary.RemainingCapacity, Type:
// Feature, ReportID: 0x06, Offset: 0, Size: 8".
func (d *Descriptor) Dump(w io.Writer) error {
	for _, it := range d.Items {
		if _, err := fmt.Fprintf(w, "Path: %s, Type: %s, ReportID: 0x%02x, Offset: %d, Size: %d\n",
			it.Path.Format(d.Names), it.Type, it.ReportID, it.Offset, it.Size); err != nil {
			return err
		}
	}
	return nil
}
