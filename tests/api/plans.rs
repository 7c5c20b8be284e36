//! Consolidation plans over HTTP (`POST .../plans`, `auto_plan` booking) and through
//! the `firstmile plan` CLI: the plan format (docs/rules.md, rule 10), valid bags, nothing lost.

use crate::both;
use crate::helpers::{TestApp, parcel};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// Registers `n` small parcels (10 x 8 x 5 cm, 100 g): 300 fill a bag by count.
async fn register_small(
    app: &TestApp,
    seller: &crate::helpers::Seller,
    prefix: &str,
    n: usize,
) -> Vec<String> {
    let names: Vec<String> = (1..=n).map(|i| format!("{prefix}{i:04}")).collect();
    let parcels: Vec<Value> = names
        .iter()
        .map(|t| {
            let mut p = parcel(t, 100);
            p["length_cm"] = json!(10.0);
            p["width_cm"] = json!(8.0);
            p["height_cm"] = json!(5.0);
            p
        })
        .collect();
    app.register(seller, &parcels).await;
    names
}

fn all_planned(plan: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for bag in plan["bags"].as_array().expect("bags") {
        for p in bag["parcels"].as_array().expect("parcels") {
            out.push(p.as_str().expect("tracking number").to_owned());
        }
    }
    out
}

async fn a_plan_covers_every_unbagged_parcel_once(app: TestApp) {
    let seller = app.seller().await;
    let parcels = register_small(&app, &seller, "PLN", 650).await;
    let mut big = parcel("PLNHUGE1", 1000);
    big["length_cm"] = json!(150.0);
    app.register(&seller, &[big]).await;
    let (status, plan) = app
        .post(
            &format!("/v1/sellers/{}/plans", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let planned = all_planned(&plan);
    let unique: HashSet<&String> = planned.iter().collect();
    assert_eq!(planned.len(), 650, "every parcel in exactly one bag");
    assert_eq!(unique.len(), 650);
    assert!(parcels.iter().all(|p| unique.contains(p)));
    assert_eq!(
        plan["unplaceable"],
        json!([{"tracking_number": "PLNHUGE1", "code": "parcel_too_large"}])
    );
    // 650 parcels need at least 3 bags (300 a bag); this family reaches the bound.
    assert_eq!(plan["lower_bound"], 3);
    assert_eq!(plan["bags"].as_array().map(Vec::len), Some(3));
    assert_eq!(plan["optimal"], true);
    assert_eq!(plan["orders_split"], 0);
    for bag in plan["bags"].as_array().expect("bags") {
        let env: Vec<f64> = bag["envelope_cm"]
            .as_array()
            .expect("envelope")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert!(
            env[0] <= 120.0 && env.iter().sum::<f64>() <= 180.0 + 1e-9,
            "{bag}"
        );
        assert!(bag["weight_g"].as_i64().unwrap_or(i64::MAX) <= 50_000);
        assert_eq!(bag["sorting_center"], "SZX");
    }
}

async fn auto_plan_books_the_planned_bags(app: TestApp) {
    let seller = app.seller().await;
    register_small(&app, &seller, "AUTO", 320).await;
    let (status, handover) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "auto_plan": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{handover}");
    let bags = handover["bags"].as_array().expect("bags");
    assert_eq!(bags.len(), 2);
    let total: u64 = bags.iter().filter_map(|b| b["parcel_count"].as_u64()).sum();
    assert_eq!(total, 320);
    // Planned parcels are bagged: a second plan has nothing left.
    let (_, plan) = app
        .post(
            &format!("/v1/sellers/{}/plans", seller.id),
            &seller.token,
            json!({}),
        )
        .await;
    assert_eq!(plan["bags"], json!([]));
    let (status, body) = app
        .post(
            &format!("/v1/sellers/{}/handovers", seller.id),
            &seller.token,
            json!({"sorting_center": "SZX", "pickup_date": app.today(), "auto_plan": true,
                   "tracking_numbers": ["AUTO0001"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "parcel_already_bagged");
}

both!(
    a_plan_covers_every_unbagged_parcel_once,
    auto_plan_books_the_planned_bags
);

fn run_cli(csv: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_firstmile"))
        .args(["plan", "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run firstmile plan");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(csv.as_bytes())
        .expect("write the CSV");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_prints_a_plan_as_json() {
    let mut csv = String::from(
        "tracking_number,weight_g,length_cm,width_cm,height_cm,sorting_center,order_id\n",
    );
    for i in 0..301 {
        let center = if i % 2 == 0 { "SZX" } else { "YIW" };
        csv.push_str(&format!("LZ{i:04},1000,30,20,10,{center},O{}\n", i / 3));
    }
    csv.push_str("LZHUGE,60000,30,20,10,SZX,\n");
    let (ok, stdout, stderr) = run_cli(&csv);
    assert!(ok, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(all_planned(&plan).len(), 301);
    assert_eq!(
        plan["unplaceable"],
        json!([{"tracking_number": "LZHUGE", "code": "parcel_too_heavy"}])
    );
    for bag in plan["bags"].as_array().expect("bags") {
        let parcels = bag["parcels"].as_array().expect("parcels");
        let center = bag["sorting_center"].as_str().expect("center");
        assert!(
            parcels.iter().all(|p| {
                let n: usize = p
                    .as_str()
                    .unwrap_or("LZ0")
                    .trim_start_matches("LZ")
                    .parse()
                    .unwrap_or(0);
                n.is_multiple_of(2) == (center == "SZX")
            }),
            "sorting centers are never mixed"
        );
    }
    assert!(
        plan["lower_bound"].as_u64().is_some_and(|b| b >= 7),
        "301 kg needs 7 bags"
    );
}

#[test]
fn the_cli_names_the_line_of_a_bad_row() {
    let header = "tracking_number,weight_g,length_cm,width_cm,height_cm,sorting_center\n";
    let cases = [
        ("LZ1,100,30,20,10,SZX\nLZ2,abc,30,20,10,SZX\n", "line 3"),
        ("LZ1,100,30,20,-1,SZX\n", "line 2"),
        ("LZ1,100,30,20,10,XXX\n", "line 2"),
    ];
    for (rows, line) in cases {
        let (ok, _, stderr) = run_cli(&format!("{header}{rows}"));
        assert!(!ok, "a bad row fails: {rows}");
        assert!(stderr.contains(line), "{rows}: {stderr}");
    }
    let (ok, _, stderr) = run_cli("tracking_number,weight_g\nLZ1,100\n");
    assert!(!ok && !stderr.is_empty());
}
