//! Arbitrary tile requests and choropleth parameters: URL segments parsed as the tile endpoint
//! does, any z/x/y rendered from a small layer (clipping, quantising, encoding), and class breaks
//! computed for any values, method, class count and custom breaks — errors, never panics.
#![no_main]

use std::sync::OnceLock;

use commune_atlas::tiles::layer::{PolygonLayer, UnitMeta};
use commune_atlas::tiles::{Everything, Kind, LayerEntry, MAX_ZOOM, TileService, mercator, parse_coords};
use libfuzzer_sys::fuzz_target;

/// A 3 × 3 grid of square communes around 105° E, 20° N, one with a hole.
fn layer() -> &'static LayerEntry {
    static L: OnceLock<LayerEntry> = OnceLock::new();
    L.get_or_init(|| {
        let (mut metas, mut geoms) = (Vec::new(), Vec::new());
        for i in 0..9 {
            let (x0, y0) = (105.0 + f64::from(i % 3) * 0.1, 20.0 + f64::from(i / 3) * 0.1);
            let mut rings = vec![vec![[x0, y0], [x0 + 0.1, y0], [x0 + 0.1, y0 + 0.1], [x0, y0 + 0.1], [x0, y0]]];
            if i == 4 {
                rings.push(vec![[x0 + 0.04, y0 + 0.04], [x0 + 0.04, y0 + 0.06], [x0 + 0.06, y0 + 0.06], [x0 + 0.06, y0 + 0.04], [x0 + 0.04, y0 + 0.04]]);
            }
            metas.push(UnitMeta {
                id: i64::from(i) + 1,
                code: format!("9000{i}"),
                name: format!("Xã {i}"),
                province: Some("99".into()),
                label: mercator::to_world(x0 + 0.05, y0 + 0.05),
            });
            geoms.push(vec![rings]);
        }
        let (layer, _) = PolygonLayer::build("communes", metas, geoms, 0.0);
        LayerEntry {
            id: "communes.fuzz".into(),
            name: "communes".into(),
            version: Some("fuzz".into()),
            kind: Kind::Polygons(layer),
            hash: 1,
            bounds: [105.0, 20.0, 105.3, 20.3],
            features: 9,
            build_seconds: 0.0,
            valid_from: None,
            snapped: (0, 0, 0),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    // Rendering any tile in the pyramid.
    let z = data[0] % (MAX_ZOOM + 1);
    let n = 1u32 << z;
    let x = u32::from_le_bytes([data[1], data[2], data[3], data[4]]) % n;
    let y = u32::from_le_bytes([data[5], data[6], data[7], data[8]]) % n;
    let _ = TileService::encode(layer(), z, x, y, &Everything);
    // Parsing the URL segments and the breaks parameter as text.
    let text = String::from_utf8_lossy(&data[9..]);
    let mut parts = text.splitn(4, '/');
    let (zs, xs, ys, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let _ = parse_coords(zs, xs, ys);
    let custom: Vec<f64> = rest.split(',').filter_map(|b| b.trim().parse().ok()).collect();
    let values: Vec<f64> = data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
    use commune_atlas::analytics::choropleth::Method;
    let method = Method::ALL[usize::from(data[9]) % Method::ALL.len()];
    let classes = usize::from(data[data.len() - 1]) % 12;
    let _ = commune_atlas::analytics::choropleth::breaks(&values, method, classes, &custom);
});
