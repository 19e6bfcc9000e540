//! Recurrent layers: LSTM, GRU and RNN (ONNX opsets 1–22), sharing attribute parsing, input
//! checks, the input/recurrent projections and output assembly.

use super::Registry;

mod activation;
mod attributes;
mod float;
mod gru;
mod inputs;
mod layer;
mod lstm;
mod outputs;
mod projection;
mod rnn;

pub fn register(r: &mut Registry) {
    gru::register(r);
    lstm::register(r);
    rnn::register(r);
}

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod fixture_tests;
