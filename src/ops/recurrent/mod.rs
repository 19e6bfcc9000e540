//! Recurrent layers: LSTM, GRU (and RNN).

use super::Registry;


pub fn register(r: &mut Registry) {
    let _ = r;
}
