#version 330
uniform mat4 mvp;
uniform float scale;         // the object's size (the model matrix is this scale)
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in vec2 in_uv;
in float in_unit;            // 1 at every vertex: interpolated as a one-colour surface's colour always was
out vec3 v_position;
out vec3 v_normal;
out vec3 v_color;
out vec2 v_uv;
out float v_unit;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_position = in_position * scale;
    v_normal = in_normal;
    v_color = in_color;
    v_uv = in_uv;
    v_unit = in_unit;
}
