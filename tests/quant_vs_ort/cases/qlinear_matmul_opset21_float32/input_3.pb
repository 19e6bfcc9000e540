BbJ#ÿ£†
—Ëû¢Vc
 “KMeô∞Uk…÷Kπnk5M