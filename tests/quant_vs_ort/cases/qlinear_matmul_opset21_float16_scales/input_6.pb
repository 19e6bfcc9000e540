
By_scaleJð5