#version 330
in vec2 in_corner;           // a corner of the full-frame quad, in normalised device coordinates
out vec2 v_ndc;
void main() {
    v_ndc = in_corner;
    gl_Position = vec4(in_corner, 0.0, 1.0);
}
