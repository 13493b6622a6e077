#!/usr/bin/env bash
# Robustness under load: 256 connections for 60 s against a sign-in-required server, mixing
# vector tiles, choropleths and commune requests as a scoped user would make them (wrk).
# Reports requests/s, latency, every status class (the run fails on any 5xx) and the peak
# resident memory of the server, sampled every 0.2 s.
#
#   bench/mixed_load.sh                 # national synthetic dataset, 60 s, 256 connections
#   DURATION=10s CONNS=64 bench/mixed_load.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-$(mktemp -d /tmp/atlas-mixed.XXXXXX)}"
DURATION="${DURATION:-60s}"
CONNS="${CONNS:-256}"
PORT=18090

need_apt() { dpkg -s "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; }; }
need_apt wrk

cd "$HERE"
cargo build --release -q
BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/commune-atlas"
echo "work dir: $WORK"

"$BIN" demo generate --seed 7 --scale national --out "$WORK/national" > /dev/null
"$BIN" --db "$WORK/atlas.duckdb" demo load "$WORK/national" > /dev/null
# A leader scoped to two provinces, so every request runs the scope filters.
PROVINCES=$("$BIN" --db "$WORK/atlas.duckdb" query --format csv \
  "SELECT string_agg(code, ',' ORDER BY code) FROM (SELECT code FROM unit WHERE level = 'province' AND valid_to IS NULL ORDER BY code LIMIT 2)" | tail -1 | tr -d '"')
TOKEN=$("$BIN" --db "$WORK/atlas.duckdb" users add load-tester --role leader --scope "$PROVINCES" 2>/dev/null)
"$BIN" --db "$WORK/atlas.duckdb" serve --bind "127.0.0.1:$PORT" --require-login --rate-limit 0 --tile-rate-limit 0 > "$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until grep -q "serving" "$WORK/serve.log"; do sleep 0.1; done

# The request mix: 80 % tiles (z5–z12 around the scoped provinces), 10 % choropleths (years,
# metrics), 10 % commune evaluations and searches.
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/status" > "$WORK/status.json"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/labels?level=commune" > "$WORK/labels.json"
python3 - "$WORK" <<'PY'
import json, math, random, sys
work = sys.argv[1]
labels = json.load(open(f"{work}/labels.json"))["labels"]
years = [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]
rng = random.Random(9)
def tile(lon, lat, z):
    n = 2 ** z; s = math.sin(math.radians(lat))
    return int((lon + 180) / 360 * n), int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n)
urls = []
for _ in range(8000):
    l = rng.choice(labels); z = rng.randint(5, 12); x, y = tile(l["lon"], l["lat"], z)
    urls.append(f"/tiles/communes/{z}/{x}/{y}.mvt")
for _ in range(1000):
    m = rng.choice(["status", "key_type", "conversion", "addict_user_rate_pct", "arrest_rate_pct"])
    urls.append(f"/api/choropleth?metric={m}&year={rng.choice(years[1:])}")
for _ in range(1000):
    l = rng.choice(labels)
    urls.append(rng.choice([f"/api/units/{l['unit_id']}/evaluation", f"/api/search?q={l['name'].split()[-1]}"]))
rng.shuffle(urls)
open(f"{work}/urls.txt", "w").write("\n".join(urls) + "\n")
print(f"{len(urls)} URLs over {len(labels)} communes in scope")
PY

cat > "$WORK/mixed.lua" <<LUA
local paths = {}
for line in io.lines("$WORK/urls.txt") do paths[#paths + 1] = line end
local counter = 0
local threads = {}
setup = function(thread) thread:set("id", #threads); threads[#threads + 1] = thread end
init = function() counter = 0; s2 = 0; s3 = 0; s4 = 0; s5 = 0 end
request = function()
  counter = counter + 1
  local p = paths[(counter * 7 + id * 13) % #paths + 1]
  return wrk.format("GET", p, { ["Accept-Encoding"] = "gzip", ["Authorization"] = "Bearer $TOKEN" })
end
response = function(status)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 elseif status >= 300 then s3 = s3 + 1 else s2 = s2 + 1 end
end
done = function()
  local t2, t3, t4, t5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t2 = t2 + t:get("s2"); t3 = t3 + t:get("s3"); t4 = t4 + t:get("s4"); t5 = t5 + t:get("s5")
  end
  io.write(string.format("status 2xx %d\nstatus 3xx %d\nstatus 4xx %d\nstatus 5xx %d\n", t2, t3, t4, t5))
end
LUA

# Peak resident memory, sampled while wrk runs.
( peak=0; while kill -0 $PID 2>/dev/null; do
    r=$(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0)
    if [ "${r:-0}" -gt "$peak" ]; then peak=$r; echo "$(date +%s.%N) $peak" >> "$WORK/peaks"; fi
    sleep 0.2; done ) &
SAMPLER=$!
RUN_START=$(date +%s.%N)
# Where the memory goes, every 5 s: resident set, DuckDB's buffers, the tile and answer caches.
cat > "$WORK/memory.py" <<'PY'
import json, sys, time
h = json.load(sys.stdin)
mb = lambda b: (b or 0) / 2**20
m, c, a = h["memory"], h["tiles"]["cache"], h["answers"]
print(f'{time.strftime("%H:%M:%S")}  resident {mb(m["resident_bytes"]):6.0f} MB  duckdb {mb(m["duckdb"]["bytes"]):5.0f} MB'
      f'  tile cache {mb(c["bytes"]):5.0f} MB ({c["tiles"]} tiles)  answers {mb(a["bytes"]):4.0f} MB  renders {h["tiles"]["renders"]}')
PY
( while kill -0 $PID 2>/dev/null; do
    curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/health" | python3 "$WORK/memory.py" >> "$WORK/memory.txt" 2>/dev/null || true
    sleep 5; done ) &
TIMELINE=$!
START_KB=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s "$WORK/mixed.lua" "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
sleep 0.5
kill $SAMPLER $TIMELINE 2>/dev/null || true
echo "memory, every 5 s:"; cat "$WORK/memory.txt" 2>/dev/null || true
PEAK_KB=$(tail -1 "$WORK/peaks" | awk '{print $2}')
FIVE=$(awk '/^status 5/ {n += $3} END {print n + 0}' "$WORK/wrk.txt")
PEAK_AT=$(tail -1 "$WORK/peaks" | awk -v t0="$RUN_START" '{printf "%.1f", $1 - t0}')
echo "resident memory: $((START_KB / 1024)) MB at start, peak $((PEAK_KB / 1024)) MB during the run (${PEAK_AT} s into it; every new peak in $WORK/peaks)"
echo "5xx responses: $FIVE (wrk)"
[ "$FIVE" -eq 0 ] || { echo "FAIL: server errors under load" >&2; exit 1; }
echo "results: $WORK/wrk.txt"
