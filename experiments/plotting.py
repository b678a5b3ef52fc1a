"""What the figure scripts of the command line share (plot_heatmap.py, plot_select.py,
plot_stress.py): HDF5 attribute text and an atomic PNG write (docs/reliability.md, "Outputs")."""
import os
import sys


def text(value):
    """An HDF5 string attribute as str, whether h5py returns bytes or str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def save_png(fig, png, script):
    """Saves fig to a temporary name beside png and renames it into place; on failure removes
    the temporary file and exits with a one-line error naming `script` and the path."""
    temp = f"{png}.partial-{os.getpid()}.png"
    try:
        fig.savefig(temp)
        os.replace(temp, png)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        sys.exit(f"{script}: error: {png}: cannot write ({exc})")
