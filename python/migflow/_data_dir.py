# Where the bundled scenarios are: beside the package in a wheel (`pip install .`). A
# CMake build or `cmake --install` writes its own _data_dir.py in place of this one.
import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
