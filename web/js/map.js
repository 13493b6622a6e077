// The map: MapLibre with the atlas's own vector tiles and label glyphs only (no basemap, nothing
// remote): names are drawn with the server's DejaVu Sans (/fonts/…), Vietnamese diacritics included.
// Communes are coloured through feature-state from /api/choropleth, so changing the year or the
// metric never refetches a tile.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';

// The page preloads MapLibre's worker after its own modules and start-up answers (the server
// writes the page's head: src/api/static_files.rs); the first view's glyphs and tiles are asked
// for as soon as the map is made (primeGlyphs, AtlasMap.primeTiles), so on a slow link nothing
// waits for the worker to arrive before it is fetched.

const NO_DATA = '#d9d9d9';

/** Build the style: one source per tile layer of the catalogue. */
function style(layers, glyphs) {
  const sources = {};
  const styleLayers = [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe9f2' } }];
  const labelLayers = [];
  for (const l of layers) {
    // The catalogue already gives the tile URL and extent: no TileJSON round trip per layer.
    sources[l.id] = l.tiles
      ? { type: 'vector', tiles: [`${window.location.origin}${l.tiles}`], bounds: l.bounds, minzoom: 0, maxzoom: l.maxzoom }
      : { type: 'vector', url: `${window.location.origin}/tiles/${l.id}.json` };
  }
  for (const l of layers.filter((l) => l.layer === 'communes')) {
    styleLayers.push({
      id: `fill:${l.id}`, type: 'fill', source: l.id, 'source-layer': 'communes',
      layout: { visibility: 'none' },
      paint: {
        'fill-color': ['coalesce', ['feature-state', 'color'], NO_DATA],
        'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.95, 0.85],
      },
    });
    styleLayers.push({
      id: `line:${l.id}`, type: 'line', source: l.id, 'source-layer': 'communes',
      layout: { visibility: 'none' },
      paint: {
        'line-color': ['case', ['boolean', ['feature-state', 'selected'], false], '#111', '#ffffff'],
        'line-width': ['interpolate', ['linear'], ['zoom'],
          6, ['case', ['boolean', ['feature-state', 'selected'], false], 2.5, 0.2],
          10, ['case', ['boolean', ['feature-state', 'selected'], false], 3, 0.8],
          13, ['case', ['boolean', ['feature-state', 'selected'], false], 3.5, 1.4]],
      },
    });
  }
  for (const l of layers.filter((l) => l.layer === 'districts')) {
    styleLayers.push({
      id: `line:${l.id}`, type: 'line', source: l.id, 'source-layer': 'districts', layout: { visibility: 'none' },
      paint: { 'line-color': '#55606e', 'line-width': 0.9, 'line-dasharray': [3, 2] },
    });
  }
  for (const l of layers.filter((l) => l.layer === 'provinces')) {
    styleLayers.push({
      id: `line:${l.id}`, type: 'line', source: l.id, 'source-layer': 'provinces', layout: { visibility: 'none' },
      paint: { 'line-color': '#1d2733', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 1.2, 12, 2.6] },
    });
  }
  // Labels last, above every fill and line: one point per unit in the tiles (`<layer>_label`).
  const label = (l, { font, minzoom, maxzoom = 24, sizes, maxWidth }) => ({
    id: `label:${l.id}`, type: 'symbol', source: l.id, 'source-layer': `${l.layer}_label`, minzoom, maxzoom,
    layout: {
      visibility: 'none', 'text-field': ['get', 'name'], 'text-font': [font],
      'text-size': ['interpolate', ['linear'], ['zoom'], ...sizes], 'text-max-width': maxWidth,
    },
    paint: { 'text-color': '#1d2733', 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.3 },
  });
  // Each level's labels in the font the catalogue names for it (its glyph ranges carry the
  // letters of that level's names).
  for (const l of layers.filter((l) => l.layer === 'provinces')) {
    labelLayers.push(label(l, { font: l.label_font ?? 'DejaVu Sans Bold', minzoom: 5, maxzoom: 10, sizes: [5, 11, 9, 15], maxWidth: 9 }));
  }
  for (const l of layers.filter((l) => l.layer === 'communes')) {
    labelLayers.push(label(l, { font: l.label_font ?? 'DejaVu Sans', minzoom: 9, sizes: [9, 10, 13, 13], maxWidth: 8 }));
  }
  if (layers.some((l) => l.id === 'routes')) {
    styleLayers.push({
      id: 'line:routes', type: 'line', source: 'routes', 'source-layer': 'routes',
      paint: { 'line-color': '#8b0000', 'line-width': 2.4, 'line-dasharray': [2, 1.2] },
    });
  }
  return {
    version: 8, sources, layers: [...styleLayers, ...labelLayers],
    // The catalogue's glyph URL carries the set of letters the names use (immutable ranges).
    glyphs: `${window.location.origin}${glyphs ?? '/fonts/{fontstack}/{range}.pbf'}`,
  };
}

/** Fetch `url` into the browser's cache for a request MapLibre makes later (a failure is left
 * to that request). */
const warmCache = (url) => fetch(url, { credentials: 'same-origin' }).catch(() => {});

/** The glyph ranges Vietnamese names are written in: Basic Latin and Latin-1 (0–255), Latin
 * Extended-A and -B (ă đ ĩ ũ ơ ư: 256–511) and Latin Extended Additional (ạ ả … ỹ: 7680–7935). */
const VIETNAMESE_RANGES = ['0-255', '256-511', '7680-7935'];

/** Ask now for the label glyphs the first view draws. MapLibre asks for a range only once its
 * tiles are laid out, a second after the map is made on a slow link; asked here, while the
 * map's worker still loads, they are in the browser's cache by then (the catalogue's `?v=`
 * ranges are immutable). Only the fonts of label layers shown at the map's first zoom. */
function primeGlyphs(map, { layers, glyphs }) {
  const zoom = map.getZoom();
  const fonts = new Set(layers
    .filter((l) => l.type === 'symbol' && zoom >= (l.minzoom ?? 0) && zoom < (l.maxzoom ?? 24))
    .flatMap((l) => l.layout?.['text-font'] ?? []));
  for (const font of fonts) {
    for (const range of VIETNAMESE_RANGES) {
      // The URL exactly as MapLibre makes it, so its own request finds this one's answer.
      warmCache(glyphs.replace('{fontstack}', font).replace('{range}', range));
    }
  }
}

/** The tiles of `layer` a map at `zoom` showing `view` (LngLatBounds) draws, as MapLibre picks
 * them for a 512-px vector source: the rounded zoom (within the layer's zooms), every tile the
 * view meets, inside the layer's bounds. */
function coveringTiles(zoom, view, layer) {
  const z = Math.max(0, Math.min(layer.maxzoom ?? 22, Math.round(zoom)));
  const n = 2 ** z;
  const [w, s, e, nn] = layer.bounds ?? [-180, -85.05, 180, 85.05];
  const west = Math.max(view.getWest(), w);
  const east = Math.min(view.getEast(), e);
  const south = Math.max(view.getSouth(), s);
  const north = Math.min(view.getNorth(), nn);
  if (west > east || south > north) return [];
  const clamp = (v) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  const tx = (lng) => clamp(((lng + 180) / 360) * n);
  const ty = (lat) => {
    const r = (lat * Math.PI) / 180;
    return clamp(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  };
  const tiles = [];
  for (let x = tx(west); x <= tx(east); x += 1) for (let y = ty(north); y <= ty(south); y += 1) tiles.push([z, x, y]);
  return tiles;
}

export class AtlasMap {
  constructor(container, catalog, { onClick, onHover } = {}) {
    this.layers = catalog.layers;
    this.active = null; // active communes layer id
    this.stated = new Map(); // layer id → Set of ids with feature-state
    this.selected = null;
    const communes = this.layers.filter((l) => l.layer === 'communes');
    const b = communes.reduce((acc, l) => [Math.min(acc[0], l.bounds[0]), Math.min(acc[1], l.bounds[1]), Math.max(acc[2], l.bounds[2]), Math.max(acc[3], l.bounds[3])], [180, 90, -180, -90]);
    const mapStyle = style(this.layers, catalog.glyphs);
    this.map = new maplibregl.Map({
      container,
      style: mapStyle,
      bounds: communes.length ? [[b[0], b[1]], [b[2], b[3]]] : undefined,
      fitBoundsOptions: { padding: 20 },
      attributionControl: false,
      preserveDrawingBuffer: true,
      maxZoom: 16,
      // Labels appear at once instead of fading in over 300 ms: a fade is a run of frames an old
      // laptop draws in software, and the map is idle (drawn) only when it ends.
      fadeDuration: 0,
    });
    if (catalog.glyphs) primeGlyphs(this.map, mapStyle);
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.loaded = new Promise((resolve) => this.map.on('load', resolve));
    // The style object is taken in on the next frame: layers can be shown from then on.
    this.styled = new Promise((resolve) => this.map.once('style.load', resolve));
    let hovered = null;
    this.map.on('mousemove', (e) => {
      if (!this.active) return;
      const f = this.map.queryRenderedFeatures(e.point, { layers: [`fill:${this.active}`] })[0];
      if (hovered !== null && (!f || f.id !== hovered)) {
        this.map.setFeatureState({ source: this.active, sourceLayer: 'communes', id: hovered }, { hover: false });
        hovered = null;
      }
      if (f) {
        hovered = f.id;
        this.map.setFeatureState({ source: this.active, sourceLayer: 'communes', id: f.id }, { hover: true });
      }
      this.map.getCanvas().style.cursor = f ? 'pointer' : '';
      onHover?.(f, e.originalEvent);
    });
    this.map.on('mouseout', () => onHover?.(null));
    this.map.on('click', (e) => {
      if (!this.active) return;
      const f = this.map.queryRenderedFeatures(e.point, { layers: [`fill:${this.active}`] })[0];
      if (f) onClick?.(f);
    });
  }

  /** The layers drawn with the communes of `layerId` (its version's provinces and districts, and
   * the routes). */
  shownWith(layerId) {
    const version = layerId.split('.').slice(1).join('.');
    return this.layers.filter((l) => l.id === 'routes' || l.boundary_version === version);
  }

  /** Ask now for the tiles the map will draw first for `layerId`'s version, while its worker
   * still loads (MapLibre asks only once the style is loaded: on a slow link, after its worker
   * arrives). The map then finds them in the browser's cache: the catalogue's `?v=` tile URLs
   * are immutable. Nothing once the style is loaded (MapLibre asks at once itself). */
  primeTiles(layerId) {
    if (this.map.isStyleLoaded() || this.primed) return;
    this.primed = true;
    const zoom = this.map.getZoom();
    const view = this.map.getBounds();
    for (const l of this.shownWith(layerId)) {
      if (!l.tiles?.includes('?v=')) continue;
      for (const [z, x, y] of coveringTiles(zoom, view, l)) {
        const url = `${window.location.origin}${l.tiles}`.replace('{z}', z).replace('{x}', x).replace('{y}', y);
        warmCache(url);
      }
    }
  }

  /** Show `layerId`'s version as soon as the style is taken in, before its colours are set: its
   * tiles are then laid out by the worker the moment it starts. Shown only once the map is loaded
   * (the former way), they would be laid out only then — a layout property change reloads the
   * source — a second later on a slow link and an old laptop. Uncoloured communes are grey
   * for the frames until `paint` (the choropleth is already at hand when this is called). */
  showSoon(layerId) {
    this.styled.then(() => { if (!this.active) this.showVersion(layerId); });
  }

  /** Show the communes (and provinces/districts) of `layerId`'s boundary version. */
  showVersion(layerId) {
    if (this.active === layerId) return;
    const shown = new Set(this.shownWith(layerId).map((l) => l.id));
    for (const l of this.layers) {
      const visible = shown.has(l.id);
      for (const prefix of ['fill:', 'line:', 'label:']) {
        const id = prefix + l.id;
        if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
      }
    }
    this.active = layerId;
  }

  /** Colour communes: `colors` maps unit id → CSS colour. Tiles are not refetched. */
  paint(layerId, colors) {
    this.showVersion(layerId);
    const prev = this.stated.get(layerId) ?? new Set();
    for (const id of prev) {
      if (!(id in colors)) this.map.setFeatureState({ source: layerId, sourceLayer: 'communes', id: Number(id) }, { color: null });
    }
    const now = new Set();
    for (const [id, color] of Object.entries(colors)) {
      this.map.setFeatureState({ source: layerId, sourceLayer: 'communes', id: Number(id) }, { color });
      now.add(id);
    }
    this.stated.set(layerId, now);
  }

  /** The boundary version of the communes shown. */
  activeVersion() { return this.active ? this.active.split('.').slice(1).join('.') : null; }

  /** Colour the communes of the shown version (or of `layerId` when given). */
  paintActive(colors, layerId) { if (layerId || this.active) this.paint(layerId ?? this.active, colors); }

  select(id) {
    if (this.selected !== null && this.active) {
      this.map.setFeatureState({ source: this.active, sourceLayer: 'communes', id: this.selected }, { selected: false });
    }
    this.selected = id;
    if (id !== null && this.active) this.map.setFeatureState({ source: this.active, sourceLayer: 'communes', id }, { selected: true });
  }

  flyToBounds(b) { this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 12, duration: 600 }); }
}
