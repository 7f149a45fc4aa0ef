#!/usr/bin/python3
"""Write analysis/internal/dnn/testdata/blockmax.onnx, the fixture of the dnn tests.

Output channel 0 is the input itself (1x1 convolution, weight 1); channel 1
is the maximum over each aligned 2x2 block, repeated over the block (max
pool then a 2x2 stride-2 transposed convolution with weights 1). Both are
exact in float32, so the Go tests can compare pixel for pixel.

    /usr/bin/python3 scripts/train/dnn_testdata.py
"""
import torch
import torch.nn as nn


class BlockMax(nn.Module):
    def __init__(self):
        super().__init__()
        self.ident = nn.Conv2d(1, 1, 1, bias=False)
        self.up = nn.ConvTranspose2d(1, 1, 2, 2, bias=False)
        with torch.no_grad():
            self.ident.weight.fill_(1)
            self.up.weight.fill_(1)

    def forward(self, x):
        return torch.cat([self.ident(x), self.up(torch.max_pool2d(x, 2))], 1)


torch.onnx.export(BlockMax().eval(), torch.zeros(1, 1, 32, 32), "analysis/internal/dnn/testdata/blockmax.onnx",
                  opset_version=11, input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {2: "h", 3: "w"}, "y": {2: "h", 3: "w"}})
