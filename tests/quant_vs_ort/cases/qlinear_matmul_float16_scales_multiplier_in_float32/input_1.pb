
Ba_scaleJ9!