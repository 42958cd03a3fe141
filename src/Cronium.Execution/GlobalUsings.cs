// Framework namespaces most of this project uses: events, inputs and outputs are JSON trees. The project's own
// namespaces are never imported globally, so each file's usings show what it depends on.
global using System.Diagnostics;
global using System.Text.Json;
global using System.Text.Json.Nodes;
