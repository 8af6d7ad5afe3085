package azurefront

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// isInventoryScript reports whether a script is one of the provider's
// read-only inventory scripts (the only scripts the emulator runs).
func isInventoryScript(script string) bool {
	return strings.HasPrefix(script, "dpkg-query -W") || strings.HasPrefix(script, "rpm -qa") || strings.Contains(script, `CurrentVersion\Uninstall`)
}

// inventoryText is what the inventory scripts print on a machine: the
// fleet's inventory as "name<TAB>version" lines (for Windows, the fleet's
// update slots and their versions).
func (s *Server) inventoryText(ctx context.Context, id string) (string, *armError) {
	if in, _ := s.fleet.Instance(id); in.Unreachable != "" {
		return "", &armError{Code: "VMAgentStatusCommunicationError", Message: "Run command extension execution is unavailable: " + in.Unreachable}
	}
	invs, err := s.fleet.Inventory(ctx, []string{id})
	if err != nil {
		return "", &armError{Code: "InternalExecutionError", Message: err.Error()}
	}
	var out strings.Builder
	for _, p := range invs[0].Packages {
		out.WriteString(p.Name + "\t" + p.Version + "\n")
	}
	return out.String(), nil
}

// runCommand serves a VM's runCommand action: a health-check wrapper runs
// the check (runVMCheck); the provider's read-only inventory scripts print
// the fleet's inventory as "name<TAB>version" lines (for Windows, the
// fleet's update slots and their versions).
func (s *Server) runCommand(w http.ResponseWriter, r *http.Request, id string) {
	var in struct {
		CommandID string   `json:"commandId"`
		Script    []string `json:"script"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "invalid request body: "+err.Error())
		return
	}
	script := strings.Join(in.Script, "\n")
	if check, ok := wrappedCheck(script); ok {
		s.runVMCheck(w, r, id, in.CommandID, check)
		return
	}
	if !isInventoryScript(script) || (in.CommandID == "RunPowerShellScript") != strings.Contains(script, `CurrentVersion\Uninstall`) ||
		(in.CommandID != "RunShellScript" && in.CommandID != "RunPowerShellScript") {
		writeError(w, http.StatusBadRequest, "InvalidParameter", "the emulator runs only the provider's inventory scripts")
		return
	}
	s.startOperation(w, r, id, "runCommand", func(ctx context.Context) (any, *armError) {
		out, aerr := s.inventoryText(ctx, id)
		if aerr != nil {
			return nil, aerr
		}
		return map[string]any{"value": []any{
			map[string]any{"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": out},
			map[string]any{"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": ""},
		}}, nil
	})
}
