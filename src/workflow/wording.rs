//! Words that depend on where the user is: the native and npm CLIs name flags, the JS API names
//! option keys, the page names its controls. A hint that tells the user what to pass is written
//! here once per interface, so a page user is never told to pass `--dim`.

use crate::compress::Recipe;
use crate::runtime::Dataset;

/// Where a message is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Interface {
    /// `pare …` and `npx pare …`: command-line flags.
    #[default]
    Cli,
    /// The npm package's functions: option keys.
    Api,
    /// The web page: its controls.
    Page,
}

impl Interface {
    /// `"api"` or `"page"` (the wasm API's `messages` option); `None` for anything else.
    pub fn from_name(name: &str) -> Option<Interface> {
        match name {
            "api" => Some(Interface::Api),
            "page" => Some(Interface::Page),
            _ => None,
        }
    }
}

/// What to pass when no size tried for a model's open dims ran.
pub fn sizes_hint(interface: Interface) -> &'static str {
    match interface {
        Interface::Cli => "give sizes with --dim NAME=SIZE or --shape INPUT=D0,D1,…",
        Interface::Api => "give sizes in the random-samples options: `dims: { NAME: SIZE }` or `shapes: { INPUT: [D0, D1, …] }`",
        Interface::Page => "set the sizes the model expects in the Dimensions field, e.g. height=224; width=224",
    }
}

/// The resolver's failure (`SizeChoice::failure`, the facts) with what to pass.
pub fn sizes_failure(failure: &str, interface: Interface) -> String {
    format!("{failure}; {}", sizes_hint(interface))
}

/// What to pass when a step reads calibration samples and none were given.
pub fn calibration_hint(interface: Interface) -> &'static str {
    match interface {
        Interface::Cli => "give --calib FILE.npz (best) or --calib-random N",
        Interface::Api => {
            "pass `calibration` (tensors keyed by input name, samples stacked along the first axis) or \
             `calibrationRandom: { samples: 16 }` in the options"
        }
        Interface::Page => "pick calibration files (best) or random samples under Calibration",
    }
}

/// The error for a recipe whose step reads calibration samples when `calibration` gives none
/// (`Recipe::calibration_step`), worded for `interface`; `None` when nothing is missing.
pub fn missing_calibration(recipe: &Recipe, calibration: Option<&Dataset>, interface: Interface) -> Option<String> {
    if calibration.is_some() {
        return None;
    }
    let (index, what) = recipe.calibration_step(None)?;
    Some(format!("step {}: {what} needs calibration samples: {}", index + 1, calibration_hint(interface)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interface_names_its_own_controls() {
        assert!(sizes_hint(Interface::Cli).contains("--dim NAME=SIZE"));
        assert!(!sizes_hint(Interface::Api).contains("--") && sizes_hint(Interface::Api).contains("dims:"));
        assert!(!sizes_hint(Interface::Page).contains("--") && sizes_hint(Interface::Page).contains("Dimensions"));
        assert!(calibration_hint(Interface::Cli).contains("--calib"));
        assert!(!calibration_hint(Interface::Api).contains("--") && calibration_hint(Interface::Api).contains("calibrationRandom"));
        assert!(!calibration_hint(Interface::Page).contains("--"));
        assert_eq!(Interface::from_name("page"), Some(Interface::Page));
        assert_eq!(Interface::from_name("cli"), None, "the wasm API is never the CLI's");
    }

    #[test]
    fn a_missing_calibration_names_the_step_and_a_correction_of_none_needs_none() {
        let recipe = |json: &str| Recipe::from_json(json).unwrap();
        let r = recipe(r#"{"steps": [{"quantize": {"mode": "weights"}}, {"quantize": {"mode": "static"}}]}"#);
        let message = missing_calibration(&r, None, Interface::Api).unwrap();
        assert!(message.starts_with("step 2: static quantization needs calibration samples: pass `calibration`"), "{message}");
        let none = recipe(r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5, "correct": "none"}}]}"#);
        assert_eq!(missing_calibration(&none, None, Interface::Api), None);
        let lsq = recipe(r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5, "correct": "lsq"}}]}"#);
        assert!(missing_calibration(&lsq, None, Interface::Cli).unwrap().contains("--calib"));
    }
}
