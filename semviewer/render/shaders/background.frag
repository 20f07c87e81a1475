#version 330
// A background image filling the frame (mode 1: cropped to keep its aspect), or a panorama
// (mode 2: an equirectangular image sampled in the direction each pixel looks).
uniform int mode;
uniform sampler2D image;
uniform vec2 uv_scale;       // mode 1: the part of the image the frame shows (cover crop)
uniform vec3 cam_right;      // mode 2: the camera's basis in the world, and its field of view
uniform vec3 cam_up;
uniform vec3 cam_forward;
uniform float tan_half_fov;
uniform float aspect;
uniform float rotation;      // mode 2: the panorama turned about the vertical axis, radians
in vec2 v_ndc;
out vec4 f_color;
const float PI = 3.14159265358979;
void main() {
    vec2 uv;
    if (mode == 1) {
        uv = 0.5 + 0.5 * v_ndc * uv_scale;
    } else {
        vec3 d = normalize(cam_forward + v_ndc.x * tan_half_fov * aspect * cam_right
                           + v_ndc.y * tan_half_fov * cam_up);
        float azimuth = atan(d.x, -d.z) - rotation;
        uv = vec2(fract(azimuth / (2.0 * PI)), 0.5 + asin(clamp(d.y, -1.0, 1.0)) / PI);
    }
    f_color = vec4(texture(image, uv).rgb, 1.0);
}
