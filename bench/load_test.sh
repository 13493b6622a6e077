#!/usr/bin/env bash
# Load test: commune-atlas against Martin on PostGIS — same geometry, same tile URL list, same run.
#
#   bench/load_test.sh                       # national synthetic communes (generated here)
#   bench/load_test.sh --geojson FILE ...    # any GeoJSON FeatureCollection(s) of polygons instead
#   bench/load_test.sh --no-martin           # only commune-atlas
#
# Installs what it needs when missing: wrk, PostgreSQL + PostGIS (Debian packages) and Martin
# (`cargo install martin@1.14.0 --no-default-features --features postgres,…`, ~20 min once).
# Measures, for each server: uncached tiles (caches off, every URL new), cached tiles (caches on,
# after a warm-up pass); 64 connections, 2 threads, 30 s each; requests/s and latency percentiles.
# Also: commune-atlas start-up time (load + all zoom bands) and resident memory, and the HTTP
# floor (`commune-atlas floor`: the same axum/tokio stack, a fixed 4 KB body, and again with a body
# of the tiles' mean gzip size) with both atlas/floor ratios.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-$(mktemp -d /tmp/atlas-load.XXXXXX)}"
DURATION="${DURATION:-30s}"
CONNS="${CONNS:-64}"
ATLAS_PORT=18080
MARTIN_PORT=18081
FLOOR_PORT=18089
PG_PORT=15432
GEOJSON=()
MARTIN=1
while [ $# -gt 0 ]; do
  case "$1" in
    --geojson) GEOJSON+=("$(realpath "$2")"); shift 2 ;;
    --no-martin) MARTIN=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

need_apt() { dpkg -s "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; }; }
need_apt wrk
if [ "$MARTIN" = 1 ]; then
  need_apt postgresql
  PGV=$(ls /usr/lib/postgresql | sort -n | tail -1)
  need_apt "postgresql-$PGV-postgis-3"
  command -v martin >/dev/null || cargo install martin@1.14.0 --locked --no-default-features --features postgres,fonts,mbtiles,pmtiles
fi

cd "$HERE"
cargo build --release -q
BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/commune-atlas"
echo "work dir: $WORK"

# 1. The geometry: national synthetic communes, or the given files.
if [ ${#GEOJSON[@]} -eq 0 ]; then
  "$BIN" demo generate --seed 7 --scale national --out "$WORK/national" > /dev/null
  "$BIN" --db "$WORK/atlas.duckdb" demo load "$WORK/national" > /dev/null
  LAYER_FILE="$WORK/national/communes_2025.geojson"
  LAYER="communes.national-2025"
else
  i=0
  for f in "${GEOJSON[@]}"; do
    i=$((i + 1))
    "$BIN" --db "$WORK/atlas.duckdb" import boundaries "$f" --version "file$i" --valid-from "2025-07-0$i" --repair --no-progress > /dev/null
  done
  LAYER_FILE="${GEOJSON[0]}"
  LAYER="communes.file1"
fi

# 2. A fixed list of tile URLs, z5–z14, inside the data (same list for both servers).
python3 - "$LAYER_FILE" "$WORK/tiles.txt" <<'PY'
import json, math, random, sys
fc = json.load(open(sys.argv[1]))
pts = []
for f in fc["features"]:
    g = f["geometry"]; polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    for p in polys:
        ring = p[0]; pts.append(ring[len(ring) // 2])
rng = random.Random(42)
def tile(lon, lat, z):
    n = 2 ** z; s = math.sin(math.radians(lat))
    return int((lon + 180) / 360 * n), int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n)
out = []
for z in range(5, 15):
    seen = set()
    for _ in range(4000):
        lon, lat = rng.choice(pts)
        seen.add(tile(lon + rng.uniform(-0.02, 0.02), lat + rng.uniform(-0.02, 0.02), z))
        if len(seen) >= 300: break
    out += [(z, x, y) for (x, y) in sorted(seen)]
rng.shuffle(out)
open(sys.argv[2], "w").write("\n".join(f"{z}/{x}/{y}" for z, x, y in out) + "\n")
print(f"{len(out)} tile URLs, z5–z14")
PY

cat > "$WORK/urls.lua" <<LUA
local paths = {}
for line in io.lines("$WORK/tiles.txt") do paths[#paths + 1] = line end
local prefix = os.getenv("PREFIX")
local suffix = os.getenv("SUFFIX") or ""
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", prefix .. paths[(i - 1) % #paths + 1] .. suffix, { ["Accept-Encoding"] = "gzip" })
end
LUA

run_wrk() { # name prefix suffix base-url
  PREFIX="$2" SUFFIX="$3" wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$WORK/urls.lua" "$4" > "$WORK/$1.txt" 2>&1 || true
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")
  p50=$(awk '/^ +50%/ {print $2}' "$WORK/$1.txt")
  p99=$(awk '/^ +99%/ {print $2}' "$WORK/$1.txt")
  echo "$1 $rps $p50 $p99" | tee -a "$WORK/results.txt"
}

start_atlas() { # cache-mb
  local t0; t0=$(date +%s.%N)
  "$BIN" --db "$WORK/atlas.duckdb" serve --bind "127.0.0.1:$ATLAS_PORT" --tile-cache-mb "$1" > "$WORK/atlas.log" 2>&1 &
  SERVER_PID=$!
  until grep -q "serving" "$WORK/atlas.log"; do sleep 0.05; done
  echo "commune-atlas start-up (load + all zoom bands): $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s; $(grep 'tile layers' "$WORK/atlas.log"); resident memory at start $(( $(ps -o rss= -p $SERVER_PID) / 1024 )) MB" | tee -a "$WORK/results.txt"
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }

# measure NAME START-FUNCTION PREFIX SUFFIX BASE-URL: an uncached run (cache off), then a cached run
# after a warm-up pass; the cached server is left running for the caller to inspect and stop.
measure() {
  "$2" 0
  run_wrk "$1-uncached" "$3" "$4" "$5"
  stop_server
  "$2" 512
  DURATION=10s run_wrk "$1-warmup" "$3" "$4" "$5" > /dev/null
  run_wrk "$1-cached" "$3" "$4" "$5"
}

: > "$WORK/results.txt"
echo "name requests/s p50 p99" | tee -a "$WORK/results.txt"
# 3. commune-atlas: uncached (cache off) and cached (after a warm-up pass).
measure atlas start_atlas "/tiles/$LAYER/" ".mvt" "http://127.0.0.1:$ATLAS_PORT"
# The mean gzip body of the URL list, as the cached atlas answers it (for a floor of the same bytes).
MEAN_BODY=$(python3 - "$WORK/tiles.txt" "$ATLAS_PORT" "$LAYER" <<'PY'
import http.client, sys
paths = [l.strip() for l in open(sys.argv[1]) if l.strip()]
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]))
sizes = []
for p in paths:
    c.request("GET", f"/tiles/{sys.argv[3]}/{p}.mvt", headers={"Accept-Encoding": "gzip"})
    sizes.append(len(c.getresponse().read()))
print(max(1, round(sum(sizes) / len(sizes))))
PY
)
echo "mean gzip tile body over the URL list: $MEAN_BODY bytes" | tee -a "$WORK/results.txt"
echo "commune-atlas resident memory after the cached run (512 MB tile cache allowed): $(( $(ps -o rss= -p $SERVER_PID) / 1024 )) MB; cache $(curl -s http://127.0.0.1:$ATLAS_PORT/tiles | python3 -c 'import json,sys; c=json.load(sys.stdin)["cache"]; print(c["tiles"], "tiles,", c["bytes"] >> 20, "MB")')" | tee -a "$WORK/results.txt"
stop_server

# 3b. The HTTP floor: the same axum/tokio stack answering a fixed 4 KB body, no middleware, same
#     URLs and wrk settings — what no tile server on this stack can beat.
"$BIN" floor --bind "127.0.0.1:$FLOOR_PORT" > "$WORK/floor.log" 2>&1 &
SERVER_PID=$!
until grep -q "floor serving" "$WORK/floor.log"; do sleep 0.05; done
run_wrk floor "/tiles/$LAYER/" ".mvt" "http://127.0.0.1:$FLOOR_PORT"
stop_server
# The same floor answering a body of the tiles' mean size: the bytes themselves cost too.
"$BIN" floor --bind "127.0.0.1:$FLOOR_PORT" --bytes "$MEAN_BODY" > "$WORK/floor.log" 2>&1 &
SERVER_PID=$!
until grep -q "floor serving" "$WORK/floor.log"; do sleep 0.05; done
run_wrk floor-mean "/tiles/$LAYER/" ".mvt" "http://127.0.0.1:$FLOOR_PORT"
stop_server
python3 - "$WORK/results.txt" <<'PY' | tee -a "$WORK/results.txt"
import sys
rows = {l.split()[0]: l.split() for l in open(sys.argv[1]) if l.split()}
a, f, fm = rows.get("atlas-cached"), rows.get("floor"), rows.get("floor-mean")
if a and f:
    print(f"ratio cached: commune-atlas / HTTP floor (4 KB body) = {float(a[1]) / float(f[1]):.2f}× (p99 {a[3]} vs {f[3]})")
if a and fm:
    print(f"ratio cached: commune-atlas / HTTP floor (the tiles' mean body) = {float(a[1]) / float(fm[1]):.2f}× (p99 {a[3]} vs {fm[3]})")
PY

# 4. Martin on PostGIS with the same geometry (EPSG:3857, GiST index), same URLs.
if [ "$MARTIN" = 1 ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
  chmod go+x "$WORK"  # mktemp -d makes it 0700; the postgres user must reach its data dir inside
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -A trust > /dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -o "-p $PG_PORT -k /tmp" -l "$WORK/pg/log" start > /dev/null
  PSQL="psql -h /tmp -p $PG_PORT -U postgres -q"
  $PSQL -c "CREATE DATABASE atlas" && $PSQL -d atlas -c "CREATE EXTENSION postgis"
  python3 - "$LAYER_FILE" > "$WORK/load.sql" <<'PY'
import json, sys
fc = json.load(open(sys.argv[1]))
print("CREATE TABLE communes (id bigint PRIMARY KEY, code text, name text, province text, geom geometry(MultiPolygon, 3857));")
print("BEGIN;")
for i, f in enumerate(fc["features"], 1):
    p = f["properties"]; g = json.dumps(f["geometry"]).replace("'", "''")
    esc = lambda s: (s or "").replace("'", "''")
    print(f"INSERT INTO communes VALUES ({i}, '{esc(p.get('code'))}', '{esc(p.get('name'))}', '{esc(p.get('province_code'))}', "
          f"ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON('{g}'), 4326), 3857)));")
print("COMMIT;")
print("CREATE INDEX ON communes USING gist (geom); ANALYZE communes;")
PY
  $PSQL -d atlas -f "$WORK/load.sql" > /dev/null
  start_martin() { # cache-mb
    martin --listen-addresses "127.0.0.1:$MARTIN_PORT" --cache-size "$1" "postgresql://postgres@127.0.0.1:$PG_PORT/atlas" > "$WORK/martin.log" 2>&1 &
    SERVER_PID=$!
    until curl -s "http://127.0.0.1:$MARTIN_PORT/catalog" > /dev/null; do sleep 0.2; done
  }
  measure martin start_martin "/communes/" "" "http://127.0.0.1:$MARTIN_PORT"
  stop_server
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" stop > /dev/null
  python3 - "$WORK/results.txt" <<'PY'
import sys
rows = {l.split()[0]: l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in
        ("atlas-uncached", "atlas-cached", "martin-uncached", "martin-cached")}
for kind in ("uncached", "cached"):
    a, m = rows.get(f"atlas-{kind}"), rows.get(f"martin-{kind}")
    if a and m:
        print(f"ratio {kind}: commune-atlas / Martin = {float(a[1]) / float(m[1]):.2f}×")
PY
fi | tee -a "$WORK/results.txt"
echo "results: $WORK/results.txt"
