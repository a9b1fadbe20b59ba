#!/bin/sh
# capture.sh ETPU OUTDIR [CORPUS]: every output of inspect, check, fix,
# report and log over every corpus model and log, one file each (exit code
# appended; fixed models and HTML pages as their SHA-256), so a refactor can
# prove it changed no behaviour: capture with the binary before and after,
# then compare with diff.py. CORPUS defaults to ../shared/corpus beside the
# clone. About 10-30 s.
set -u
ETPU=$1; OUT=$2
C=${3:-$(dirname "$0")/../../../shared/corpus}
[ -d "$C" ] || { echo "capture.sh: no corpus at $C" >&2; exit 2; }
C=$(cd "$C" && pwd -P) # one spelling of the path, whatever the caller gave
rm -rf "$OUT"; mkdir -p "$OUT"
T=$(mktemp -d)
find "$C" -name '*.tflite' | sort | while read -r m; do
  k=$(echo "${m#$C/}" | tr '/' '_')
  "$ETPU" inspect "$m" > "$OUT/$k.inspect" 2>&1; echo "rc=$?" >> "$OUT/$k.inspect"
  "$ETPU" inspect --json --tensors "$m" > "$OUT/$k.inspect.json" 2>&1; echo "rc=$?" >> "$OUT/$k.inspect.json"
  "$ETPU" check -a "$m" > "$OUT/$k.check" 2>&1; echo "rc=$?" >> "$OUT/$k.check"
  "$ETPU" check --json "$m" > "$OUT/$k.check.json" 2>&1; echo "rc=$?" >> "$OUT/$k.check.json"
  rm -f "$T/f.tflite"; "$ETPU" fix -o "$T/f.tflite" "$m" 2>&1 | sed "s#$T#TMP#g" > "$OUT/$k.fix"; echo "rc=$?" >> "$OUT/$k.fix"
  [ -f "$T/f.tflite" ] && sha256sum < "$T/f.tflite" >> "$OUT/$k.fix"
  rm -f "$T/r.html"; "$ETPU" report -o "$T/r.html" "$m" 2>&1 | sed "s#$T#TMP#g" > "$OUT/$k.report"; echo "rc=$?" >> "$OUT/$k.report"
  [ -f "$T/r.html" ] && sed "s#$T#TMP#g" "$T/r.html" | sha256sum >> "$OUT/$k.report"
  "$ETPU" report --format json -o - "$m" > "$OUT/$k.report.json" 2>&1; echo "rc=$?" >> "$OUT/$k.report.json"
done
find "$C" -name '*.log' | sort | while read -r l; do
  k=$(echo "${l#$C/}" | tr '/' '_')
  "$ETPU" log "$l" > "$OUT/$k.log" 2>&1; echo "rc=$?" >> "$OUT/$k.log"
  "$ETPU" log --json "$l" > "$OUT/$k.log.json" 2>&1; echo "rc=$?" >> "$OUT/$k.log.json"
done
rm -rf "$T"
