Bw_scaleJ
ף<