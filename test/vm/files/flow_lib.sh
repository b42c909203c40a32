# flow_summary FILE: a flow-client log reduced to what changed: the first and
# last line of every run of answers from one name, errors compressed.
flow_summary() {
	awk '$1 == "S" { next }
		{ k = ($1 == "R") ? "R " $4 : $1 " " $3 }
		k != prev { if (prevline != "" && prevline != first) print "  ..." prevline; print; first = $0; prev = k }
		{ prevline = $0 }
		END { if (prevline != first) print "  ..." prevline }' "$1"
}
