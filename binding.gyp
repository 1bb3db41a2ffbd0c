{
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags": ["-fPIC"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "<!@(pkg-config --cflags openblas)"],
    "conditions": [["target_arch=='x64'", {"cflags_cc": ["-march=x86-64", "-mtune=generic"]}]]
  },
  "conditions": [
    [
      "target_arch=='x64'",
      {
        "targets": [
          {
            "target_name": "nnlab_avx2",
            "type": "static_library",
            "sources": ["native/kernels_avx2.cpp"],
            "cflags_cc": ["-mavx2", "-mfma"]
          },
          {
            "target_name": "nnlab_avx512",
            "type": "static_library",
            "sources": ["native/kernels_avx512.cpp"],
            "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]
          },
          {
            "target_name": "nnlab_amx",
            "type": "static_library",
            "sources": ["native/amx.cpp"],
            "cflags_cc": [
              "-mavx2",
              "-mfma",
              "-mavx512f",
              "-mavx512bw",
              "-mavx512dq",
              "-mavx512vl",
              "-mavx512bf16",
              "-mamx-tile",
              "-mamx-bf16"
            ]
          }
        ]
      }
    ]
  ],
  "targets": [
    {
      "target_name": "nnlab",
      "sources": [
        "native/addon.cpp",
        "native/dispatch.cpp",
        "native/train.cpp",
        "native/schedule.cpp",
        "native/model_format.cpp",
        "native/gradcheck.cpp",
        "native/reference.cpp"
      ],
      "conditions": [["target_arch=='x64'", {"dependencies": ["nnlab_avx2", "nnlab_avx512", "nnlab_amx"]}]],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
