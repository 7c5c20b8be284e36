//! City boundaries as geo polygons, indexed by an rstar R-tree of polygon bounding
//! boxes. Each polygon of a city's multipolygon is a separate R-tree entry, so a query
//! tests only the few polygons whose box holds the point.

use std::collections::HashMap;

use geo::{BoundingRect, Distance, Haversine, Intersects, LineString, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// One entry of the R-tree: a polygon's bounding box and the polygon's index.
type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// One polygon of a city's boundary.
#[derive(Debug)]
struct Part {
    /// Index into `Shapes::codes`.
    city: usize,
    polygon: Polygon<f64>,
    min: [f64; 2],
    max: [f64; 2],
}

impl Part {
    /// Whether the point (x = lon, y = lat) is inside or on the polygon.
    fn holds(&self, p: Point<f64>) -> bool {
        p.x() >= self.min[0]
            && p.x() <= self.max[0]
            && p.y() >= self.min[1]
            && p.y() <= self.max[1]
            && self.polygon.intersects(&p)
    }
}

/// All city boundaries.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    /// City codes, sorted ascending (so a lower index is a lower code).
    codes: Vec<String>,
    parts: Vec<Part>,
    /// City code -> range of its parts in `parts`.
    by_code: HashMap<String, std::ops::Range<usize>>,
    tree: RTree<BoxEntry>,
}

/// Rings of one polygon: exterior first, then holes; each ring is `[lon, lat]` pairs.
pub(crate) type RawPolygon = Vec<Vec<[f64; 2]>>;

impl Shapes {
    /// Builds the index from (city code, polygons) pairs.
    pub(crate) fn new(mut cities: Vec<(String, Vec<RawPolygon>)>) -> Shapes {
        cities.sort_by(|a, b| a.0.cmp(&b.0));
        let mut shapes = Shapes::default();
        for (code, polygons) in cities {
            let start = shapes.parts.len();
            let city = shapes.codes.len();
            for rings in polygons {
                let mut rings = rings.into_iter().map(|r| {
                    LineString::from(r.into_iter().map(|[x, y]| (x, y)).collect::<Vec<_>>())
                });
                let Some(exterior) = rings.next() else {
                    continue;
                };
                let polygon = Polygon::new(exterior, rings.collect());
                let Some(rect) = polygon.bounding_rect() else {
                    continue;
                };
                shapes.parts.push(Part {
                    city,
                    polygon,
                    min: [rect.min().x, rect.min().y],
                    max: [rect.max().x, rect.max().y],
                });
            }
            shapes
                .by_code
                .insert(code.clone(), start..shapes.parts.len());
            shapes.codes.push(code);
        }
        let entries = shapes
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new(Rectangle::from_corners(p.min, p.max), i))
            .collect();
        shapes.tree = RTree::bulk_load(entries);
        shapes
    }

    /// Whether the city has at least one polygon.
    pub(crate) fn has(&self, code: &str) -> bool {
        self.by_code.get(code).is_some_and(|r| !r.is_empty())
    }

    /// `None` when the city has no boundary, else whether its boundary holds the point.
    pub(crate) fn contains(&self, code: &str, lat: f64, lon: f64) -> Option<bool> {
        let range = self.by_code.get(code).filter(|r| !r.is_empty())?;
        let p = Point::new(lon, lat);
        Some(self.parts[range.clone()].iter().any(|part| part.holds(p)))
    }

    /// The lowest city code whose boundary holds the point.
    pub(crate) fn locate(&self, lat: f64, lon: f64) -> Option<&str> {
        let p = Point::new(lon, lat);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .map(|e| &self.parts[e.data])
            .filter(|part| part.holds(p))
            .map(|part| part.city)
            .min()
            .map(|i| self.codes[i].as_str())
    }
}

/// Great-circle distance in km (geo's Haversine, mean Earth radius 6371.0088 km).
pub(crate) fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    Haversine.distance(Point::new(lon1, lat1), Point::new(lon2, lat2)) / 1000.0
}
