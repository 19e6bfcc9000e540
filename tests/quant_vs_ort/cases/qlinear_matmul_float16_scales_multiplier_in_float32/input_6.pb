
By_scaleJ=8