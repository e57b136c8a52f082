/**
 * Keras layer class names as the shape functions know them. Keras 1 names, the aliases Keras 2
 * and tf.keras register (`keras/layers/__init__.py`: `Convolution2D = Conv2D`, `Deconv2D`,
 * `MaxPool2D` ...), tf 1.13's versioned names and TF.js spellings all map to one canonical
 * class name (KERAS_JSON.md sections 2 and 11).
 */

const ALIASES: Readonly<Record<string, string>> = {
  // Keras 1 class names
  Convolution1D: "Conv1D",
  Convolution2D: "Conv2D",
  Convolution3D: "Conv3D",
  AtrousConvolution1D: "Conv1D",
  AtrousConvolution2D: "Conv2D",
  Deconvolution2D: "Conv2DTranspose",
  Deconvolution3D: "Conv3DTranspose",
  SeparableConvolution1D: "SeparableConv1D",
  SeparableConvolution2D: "SeparableConv2D",
  // Keras 2 / tf.keras aliases
  Convolution1DTranspose: "Conv1DTranspose",
  Convolution2DTranspose: "Conv2DTranspose",
  Convolution3DTranspose: "Conv3DTranspose",
  Deconv2D: "Conv2DTranspose",
  Deconv3D: "Conv3DTranspose",
  DepthwiseConvolution2D: "DepthwiseConv2D",
  MaxPool1D: "MaxPooling1D",
  MaxPool2D: "MaxPooling2D",
  MaxPool3D: "MaxPooling3D",
  AvgPool1D: "AveragePooling1D",
  AvgPool2D: "AveragePooling2D",
  AvgPool3D: "AveragePooling3D",
  GlobalMaxPool1D: "GlobalMaxPooling1D",
  GlobalMaxPool2D: "GlobalMaxPooling2D",
  GlobalMaxPool3D: "GlobalMaxPooling3D",
  GlobalAvgPool1D: "GlobalAveragePooling1D",
  GlobalAvgPool2D: "GlobalAveragePooling2D",
  GlobalAvgPool3D: "GlobalAveragePooling3D",
  // tf 1.13+ / tf 2.x versioned internal names that reach configs
  BatchNormalizationV1: "BatchNormalization",
  BatchNormalizationV2: "BatchNormalization",
  UnifiedLSTM: "LSTM",
  UnifiedGRU: "GRU",
  LSTMV1: "LSTM",
  GRUV1: "GRU",
  CuDNNLSTM: "LSTM",
  CuDNNGRU: "GRU",
};

/** The canonical class name of a built-in Keras layer. */
export function canonicalClassName(className: string): string {
  return ALIASES[className] ?? className;
}

/**
 * Keras 1 `Merge(mode=...)` as the Keras 2 layer it became; `null` for `cos` and callable modes,
 * which have no shape function.
 */
export function mergeModeClass(mode: unknown): string | null {
  switch (mode) {
    case "sum":
      return "Add";
    case "mul":
      return "Multiply";
    case "concat":
      return "Concatenate";
    case "ave":
      return "Average";
    case "max":
      return "Maximum";
    case "dot":
      return "Dot";
    default:
      return null;
  }
}
