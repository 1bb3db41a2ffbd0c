{
  "targets": [
    {
      "target_name": "nnlab",
      "sources": [
        "native/addon.cpp",
        "native/train.cpp",
        "native/schedule.cpp",
        "native/model_format.cpp",
        "native/gradcheck.cpp",
        "native/reference.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fexceptions", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
