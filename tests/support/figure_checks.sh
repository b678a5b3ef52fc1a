# Sourced by the CLI scripts that draw figures (tests/cli/experiments_*smoke.sh, heatmap_png.sh): $py is
# /usr/bin/python3, the script skips (77) unless it has h5py and matplotlib, and png_ok FILE
# fails unless FILE is a PNG of at least 400 × 300 pixels that is not blank.
# shellcheck source=python_checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/python_checks.sh"
require_python h5py matplotlib

png_ok() {
  "$py" -c "
import sys
from matplotlib.image import imread
img = imread(sys.argv[1])
assert img.shape[0] >= 300 and img.shape[1] >= 400, img.shape
assert img[..., :3].std() > 0.05, 'blank image'
" "$1"
}
